"""A member's own copy of their discharge letter, once it is signed."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404

from core import audit
from members.access import roles_required
from members.models import Role
from pathways import documents
from pathways.models import DischargeSummary


@roles_required(Role.PARTICIPANT, hidden=True)
def my_discharge_letter(request, summary_id: int):
    summary = get_object_or_404(
        DischargeSummary.objects.filter(
            person=request.user, signed_at__isnull=False
        ).select_related("person", "signed_by"),
        pk=summary_id,
    )
    audit.viewed(
        request, summary, group_id=summary.group_id, participant_id=summary.person_id, export=True
    )
    response = HttpResponse(documents.letter_pdf(summary), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="discharge-{summary.pk}.pdf"'
    return response
