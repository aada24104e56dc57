"""The organisation's referrals, for the clinicians who take them on: the list (new ones
waiting to be taken, then the taker's own, longest waiting first), a referral's page with its
steps, and one action per step. Only the handler opens a referral; other ids answer 404."""

from datetime import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import audit
from facilitation.forms import (
    CloseReferralForm,
    OfferForm,
    ReferralForm,
    ScreenedForm,
    ScreeningBookingForm,
)
from members.access import roles_required
from members.models import PersonRecord, Role
from members.record import record_values
from pathways import queries, screening, services
from pathways.models import Referral, Source, Status
from sessions.queries import cohort_started

referral_page = roles_required(Role.FACILITATOR, hidden=True)


@referral_page
def referral_list(request):
    return _list(request)


def _list(request, status=200):
    show_done = request.GET.get("show") == "done"
    context = {
        "waiting": queries.waiting_to_be_taken(),
        "mine": queries.handled_by(request.user, open_only=not show_done),
        "show_done": show_done,
        "today": timezone.now(),
    }
    return render(request, "facilitation/referral_list.html", context, status=status)


@referral_page
def referral_new(request):
    form = ReferralForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            referral = services.refer(
                email=form.cleaned_data["email"],
                source=Source.CLINICIAN,
                by=request.user,
                details=form.details(),
                reason=form.cleaned_data["reason"],
                consent=form.cleaned_data["consent"],
            )
            services.take(referral=referral, by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The referral is saved, and you are handling it."))
            return redirect("referral_detail", referral_id=referral.pk)
    return render(request, "facilitation/referral_new.html", {"form": form})


@referral_page
def referral_detail(request, referral_id: int):
    referral = get_object_or_404(queries.for_handler(request.user), pk=referral_id)
    return _detail(request, referral)


def _detail(request, referral: Referral, *, forms=None, status=200):
    forms = forms or {}
    record = PersonRecord.objects.filter(person=referral.person).first()
    context = {
        "referral": referral,
        "steps": queries.steps_of(referral),
        "values": record_values(record),
        "booking_form": forms.get("book-screening") or ScreeningBookingForm(),
        "screened_form": forms.get("screened") or ScreenedForm(),
        "offer_form": forms.get("offer") or OfferForm(groups=queries.groups_to_offer()),
        "close_form": forms.get("close") or CloseReferralForm(),
        "answers": screening.answers(referral).select_related("follow_up"),
        "Status": Status,
    }
    audit.viewed(request, referral, group_id=None, participant_id=referral.person_id)
    return render(request, "facilitation/referral_detail.html", context, status=status)


@referral_page
@require_POST
def referral_step(request, referral_id: int, step: str):
    """One step on the referral's path, posted from its page."""
    act = STEPS.get(step)
    if act is None:
        raise Http404
    scope = (
        queries.for_taking(request.user) if step == "take" else queries.for_handler(request.user)
    )
    referral = get_object_or_404(scope, pk=referral_id)
    form, done = act(request, referral)
    if form is not None and not form.is_valid():
        return _detail(request, referral, forms={step: form}, status=400)
    try:
        done()
    except ValidationError as error:
        if form is None:  # taken by someone else meanwhile, or closed: say so on the list
            messages.error(request, " ".join(error.messages))
            return _list(request, status=409)
        form.add_error(None, error)
        return _detail(request, referral, forms={step: form}, status=400)
    return redirect("referral_detail", referral_id=referral.pk)


def _take(request, referral):
    return None, lambda: services.take(referral=referral, by=request.user)


def _contact_try(request, referral):
    return None, lambda: services.note_contact_try(referral=referral, by=request.user)


def _book(request, referral):
    form = ScreeningBookingForm(request.POST)

    def done():
        local = datetime.combine(form.cleaned_data["day"], form.cleaned_data["at"])
        at = timezone.make_aware(local, timezone.get_current_timezone())
        services.book_screening(referral=referral, by=request.user, at=at)

    return form, done


def _screened(request, referral):
    form = ScreenedForm(request.POST)
    note = lambda: form.cleaned_data["readiness_note"]  # noqa: E731
    return form, lambda: services.record_screening(
        referral=referral, by=request.user, readiness_note=note()
    )


def _offer(request, referral):
    form = OfferForm(request.POST, groups=queries.groups_to_offer())

    def done():
        group = form.cleaned_data["group"]
        services.offer_place(
            referral=referral,
            group=group,
            by=request.user,
            cohort_started=cohort_started(group),
            late_reason=form.cleaned_data["late_reason"],
        )

    return form, done


def _close(request, referral):
    form = CloseReferralForm(request.POST)
    return form, lambda: services.close(
        referral=referral, by=request.user, reason=form.cleaned_data["reason"]
    )


STEPS = {
    "take": _take,
    "contact-try": _contact_try,
    "book-screening": _book,
    "screened": _screened,
    "offer": _offer,
    "close": _close,
}
