"""The clinic's record of a person, kept by the staff who may see it."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core import audit
from facilitation.forms import PersonRecordForm
from facilitation.scoping import person_for_record
from members import services
from members.access import answers_page
from members.record import record_of, record_values


@answers_page
def person_record(request, person_id: int):
    person = person_for_record(request, person_id)
    record = record_of(person)
    form = PersonRecordForm(request.POST if request.method == "POST" else None, instance=record)
    if request.method == "POST" and form.is_valid():
        services.save_record(person=person, by=request.user, **form.cleaned_data)
        messages.success(request, _("The record is saved."))
        return redirect("person_record", person_id=person.pk)
    audit.viewed(request, record if record.pk else person, group_id=None, participant_id=person.pk)
    context = {"person": person, "values": record_values(record), "form": form}
    return render(request, "facilitation/person_record.html", context)
