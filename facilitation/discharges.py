"""A member's discharge summary, for the facilitators of their group: the draft the app builds
from the records, the facilitator's words, a review before signing (it cannot be undone),
addenda after; the letter to the referrer as a PDF and the summary as a FHIR R4 document,
downloaded here and never emailed."""

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import audit
from facilitation.forms import AddendumForm, DischargeForm, SignDischargeForm
from facilitation.scoping import group_for, member_of
from members.access import answers_page
from pathways import documents, services
from pathways.models import DischargeSummary


def _membership(request, group_id: int, participant_id: int):
    group = group_for(request, group_id)
    person = member_of(group, participant_id)
    enrollment = (
        group.enrollments.filter(participant=person)
        .select_related("group", "participant")
        .order_by("-created_at")
        .first()
    )
    summary = (
        DischargeSummary.objects.filter(enrollment=enrollment)
        .select_related("signed_by", "author")
        .first()
    )
    return group, person, enrollment, summary


def _back(ids: tuple[int, int]) -> HttpResponse:
    group_id, participant_id = ids
    return redirect("discharge_summary", group_id=group_id, participant_id=participant_id)


@answers_page
def discharge_summary(request, group_id: int, participant_id: int):
    membership = _membership(request, group_id, participant_id)
    group, person, enrollment, summary = membership
    form = DischargeForm(
        request.POST if request.method == "POST" else None,
        initial={"words": summary.words, "boosters": summary.boosters} if summary else None,
    )
    if request.method == "POST":
        try:
            if summary is None:
                services.start_discharge(enrollment=enrollment, by=request.user)
                return _back((group.pk, person.pk))
            if form.is_valid():
                services.save_discharge(summary=summary, **form.cleaned_data)
                messages.success(request, _("The draft is saved."))
                return _back((group.pk, person.pk))
        except ValidationError as error:
            form.add_error(None, error)
    return _page(request, membership, form)


def _page(request, membership, form=None, status=200):
    group, person, enrollment, summary = membership
    if summary is not None:
        audit.viewed(request, summary, group_id=group.pk, participant_id=person.pk)
    context = {
        "group": group,
        "person": person,
        "summary": summary,
        "facts": summary.read_facts() if summary else None,
        "finished": services.finished(enrollment),
        "form": form or DischargeForm(),
        "addendum_form": AddendumForm(),
    }
    return render(request, "facilitation/discharge_summary.html", context, status=status)


@answers_page
def discharge_sign(request, group_id: int, participant_id: int):
    """The review step: everything that will be locked, then one button."""
    group, person, __, summary = _membership(request, group_id, participant_id)
    if summary is None or summary.is_signed:
        return _back((group.pk, person.pk))
    form = SignDischargeForm(
        request.POST if request.method == "POST" else None,
        initial={"reviewed": services.version(summary)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.sign_discharge(
                summary=summary, by=request.user, reviewed=form.cleaned_data["reviewed"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("discharge_sign", group_id=group.pk, participant_id=person.pk)
        messages.success(request, _("Signed and locked. The letter is ready to download."))
        return _back((group.pk, person.pk))
    audit.viewed(request, summary, group_id=group.pk, participant_id=person.pk)
    context = {"group": group, "person": person, "summary": summary, "form": form}
    context["facts"] = summary.read_facts()
    return render(request, "facilitation/discharge_sign.html", context)


@answers_page
@require_POST
def discharge_addendum(request, group_id: int, participant_id: int):
    group, person, __, summary = _membership(request, group_id, participant_id)
    form = AddendumForm(request.POST)
    if summary is None or not form.is_valid():
        messages.error(request, _("Write the addendum before signing it."))
        return _back((group.pk, person.pk))
    try:
        services.add_discharge_addendum(
            summary=summary, by=request.user, text=form.cleaned_data["text"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Addendum signed and added."))
    return _back((group.pk, person.pk))


def _download(request, group_id: int, participant_id: int, make):
    """A signed summary's document, or its page saying why there is none yet."""
    membership = _membership(request, group_id, participant_id)
    summary = membership[3]
    if summary is None or not summary.is_signed:
        messages.error(
            request, _("The letter and the FHIR document come once the summary is signed.")
        )
        return _page(request, membership, status=409)
    body, content_type, name = make(summary)
    audit.viewed(
        request, summary, group_id=summary.group_id, participant_id=summary.person_id, export=True
    )
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@answers_page
def discharge_letter(request, group_id: int, participant_id: int):
    return _download(
        request,
        group_id,
        participant_id,
        lambda s: (documents.letter_pdf(s), "application/pdf", f"discharge-{s.pk}.pdf"),
    )


@answers_page
def discharge_fhir(request, group_id: int, participant_id: int):
    return _download(
        request,
        group_id,
        participant_id,
        lambda s: (
            json.dumps(documents.fhir_document(s), indent=2).encode(),
            "application/fhir+json",
            f"discharge-{s.pk}.fhir.json",
        ),
    )
