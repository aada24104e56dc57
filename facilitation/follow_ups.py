"""Safety follow-ups: a facilitator acknowledges one (so the others see it is in hand), then
closes it with how contact was made and what was done."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import audit
from facilitation.forms import CloseFollowUpForm
from measures import queries, services
from measures.models import FollowUp, FollowUpAction
from members import text_numbers
from members.access import answers_page
from members.models import PersonRecord
from pathways import queries as pathway_queries
from therapy_groups import queries as group_queries


def _follow_up(request, follow_up_id: int) -> FollowUp:
    return get_object_or_404(
        FollowUp.objects.for_facilitator(request.user).select_related(
            "group",
            "assigned_to",
            "participant",
            "response",
            "note__session",
            "last_absence",
            "acknowledged_by",
            "closed_by",
        ),
        pk=follow_up_id,
    )


@answers_page
def follow_up_list(request):
    return render(
        request,
        "facilitation/follow_up_list.html",
        {"follow_ups": queries.open_follow_ups(request.user)},
    )


def _risk_answer(follow_up: FollowUp) -> dict | None:
    """The answer that opened it, as the participant saw it."""
    response = follow_up.response
    if response is None or not response.measure.risk_item:
        return None
    items, __ = response.item_answers()
    measure = response.measure
    answer = items[measure.risk_item - 1]
    return {
        "measure": measure,
        "total": response.total,
        "band": response.band,
        "question": measure.items[measure.risk_item - 1],
        "answer": measure.options[answer],
        "score": answer,
        "completed_at": response.completed_at,
    }


@answers_page
def follow_up_detail(request, follow_up_id: int):
    follow_up = _follow_up(request, follow_up_id)
    audit.viewed(
        request, follow_up, group_id=follow_up.group_id, participant_id=follow_up.participant_id
    )
    form = CloseFollowUpForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.close_follow_up(follow_up=follow_up, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Follow-up closed. Thank you."))
            return redirect("home")
    contact = PersonRecord.objects.filter(person_id=follow_up.participant_id).first()
    return render(
        request,
        "facilitation/follow_up_detail.html",
        {
            "follow_up": follow_up,
            "attempts": follow_up.attempts.select_related("by"),
            # No number they agreed to be phoned on: what the clinic can do instead (their
            # email, their other groups' facilitators, the organisation's line).
            "other_facilitators": None
            if not follow_up.is_open or (contact and contact.phone and contact.may_call)
            else group_queries.facilitators_elsewhere(follow_up.participant_id, follow_up.group_id),
            "risk": _risk_answer(follow_up),
            "actions": [FollowUpAction(action).label for action in follow_up.actions],
            "contact": contact,
            "text_number": text_numbers.checked_number(follow_up.participant_id),
            "form": form,
            "referral": None
            if follow_up.group_id
            else pathway_queries.for_handler(request.user)
            .filter(person=follow_up.participant_id)
            .first(),
        },
        status=400 if form.errors else 200,
    )


@answers_page
@require_POST
def follow_up_attempt(request, follow_up_id: int):
    try:
        services.record_attempt(follow_up=_follow_up(request, follow_up_id), by=request.user)
    except ValidationError as refused:
        messages.error(request, refused.messages[0])
    else:
        messages.success(request, _("Noted: you tried and could not reach them. It stays open."))
    return redirect("follow_up_detail", follow_up_id=follow_up_id)


@answers_page
@require_POST
def follow_up_acknowledge(request, follow_up_id: int):
    follow_up = _follow_up(request, follow_up_id)
    services.acknowledge_follow_up(follow_up=follow_up, by=request.user)
    messages.success(request, _("Acknowledged: the group's other facilitators see it is in hand."))
    return redirect("follow_up_detail", follow_up_id=follow_up.pk)
