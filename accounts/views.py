"""A person's own account pages, whatever their role: the overview, preferences, contact
details, texts (and a text's short link), the language picker, the calendar link, closing the
account, and where they are signed in (allauth's usersessions, in our template). An audience
app: it reads and writes through members' services, which keep the rules."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.forms import (
    ClosureForm,
    MessageChannelsForm,
    OwnRecordForm,
    PreferencesForm,
    TextCodeForm,
    TextNumberForm,
)
from core import outbox
from core.clock import db_now
from core.feedback import ask_once, confirmed
from core.outbox.models import Notification
from members import services, text_numbers
from members.access import public, roles_required, signed_in
from members.messages import read_text_link
from members.models import Organisation, Role, TextNumber
from members.record import record_of, record_values


@signed_in
def account_overview(request):
    return render(request, "accounts/account.html")


@signed_in
def preferences(request):
    organisation = Organisation.current()
    form = PreferencesForm(
        request.POST if request.method == "POST" else None,
        instance=request.user,
        organisation=organisation,
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Preferences saved."))
        return redirect("preferences")
    return render(request, "accounts/preferences.html", {"form": form})


@roles_required(Role.PARTICIPANT)
def contact_details(request):
    """The clinic's record of a participant as they see it: all of it, and what they entered
    themselves to correct. Only their group's facilitators and the clinician handling their
    referral see it."""
    record = record_of(request.user)
    form = OwnRecordForm(request.POST if request.method == "POST" else None, instance=record)
    if request.method == "POST" and form.is_valid():
        services.save_record(person=request.user, by=request.user, **form.cleaned_data)
        messages.success(request, _("Saved. Only your group's facilitators can see these."))
        return redirect("contact_details")
    context = {"form": form, "clinic_values": record_values(record, only_clinic=True)}
    return render(request, "accounts/contact_details.html", context)


@signed_in
def text_messages(request):
    """A person's mobile number for texts: add it, type back the code sent to it, remove it."""
    person = request.user
    action = request.POST.get("action") if request.method == "POST" else None
    number_form = TextNumberForm(request.POST if action == "send_code" else None)
    code_form = TextCodeForm(request.POST if action == "confirm" else None)
    channels_form = MessageChannelsForm(
        request.POST if action == "channels" else None, person=person
    )
    found = TextNumber.objects.filter(person=person).first()
    if action == "remove":
        text_numbers.remove_number(person=person)
        return _done(request, _("Your number is removed. We won't send you texts."))
    if action == "channels" and channels_form.is_valid():
        text_numbers.choose_channels(person=person, choices=channels_form.cleaned_data)
        return _done(request, _("Saved. Your messages will come the way you chose."))
    refusal = None
    try:
        if action == "send_code" and number_form.is_valid():
            text_numbers.send_code(person=person, number=number_form.cleaned_data["number"])
            return _done(request, _("We've sent you a code. It can take a minute to arrive."))
        if action == "resend" and found is not None:
            text_numbers.send_code(person=person, number=found.number)
            return _done(request, _("We've sent you a new code."))
        if action == "confirm" and code_form.is_valid():
            text_numbers.confirm_number(person=person, code=code_form.cleaned_data["code"])
            return _done(request, _("Thank you. Your number is checked."))
    except ValidationError as error:
        refusal = error
        if action in ("send_code", "confirm"):
            (number_form if action == "send_code" else code_form).add_error(None, error)
    # Anything posted that did not go through is refused: too many codes, or bad input.
    status = 200 if action is None else 400
    if refusal is not None and refusal.code == "too_many_codes":
        status = 429
    return render(
        request,
        "accounts/text_messages.html",
        {
            "found": found,
            "shown": text_numbers.shown(found.number) if found else "",
            "number_form": number_form,
            "code_form": code_form,
            "channels_form": channels_form,
            "resend_refused": refusal.messages[0] if refusal and action == "resend" else "",
            "texts_on": settings.SMS is not None,
        },
        status=status,
    )


@public
@never_cache
def text_link(request, token: str):
    """A text's short link: opens what its message is about (the signed page its email links
    to), for as long as its kind allows after the text was sent."""
    pk = read_text_link(token)
    texts = Notification.objects.filter(channel=Notification.Channel.TEXT)
    row = texts.filter(pk=pk).first() if pk else None
    opens = outbox.kind(row.kind).opens if row and row.kind in outbox.known_kinds() else None
    if row is None or opens is None or row.sent_at is None:
        return _text_link_problem(request, "broken", 404)
    if db_now() - row.sent_at > outbox.kind(row.kind).link_age:  # sent_at is the database's
        return _text_link_problem(request, "expired", 410)
    return redirect(opens(row))


def _text_link_problem(request, problem: str, status: int):
    return render(request, "accounts/text_link_problem.html", {"problem": problem}, status=status)


def _done(request, message: str):
    messages.success(request, message)
    return redirect("text_messages")


@public
@require_POST
def choose_language(request):
    """The language picker at the foot of every page: kept on the person's account when signed
    in, in a cookie otherwise; back to the page it was picked on."""
    language = request.POST.get("language", "")
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        back = reverse("home")
    response = redirect(back)
    if language not in dict(settings.LANGUAGES):
        return response
    if request.user.is_authenticated:
        services.choose_language(person=request.user, language=language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response


@signed_in
def calendar_settings(request):
    """Shows the private feed address; only a POST makes one (or replaces it)."""
    user = request.user
    if request.method == "POST":
        replacing = bool(user.calendar_token)
        if replacing and not confirmed(request):
            return ask_once(
                request,
                question=_("Make a new calendar address?"),
                consequences=_(
                    "The old address stops working at once. Calendars that use it stop "
                    "showing your sessions until you add the new one."
                ),
                button=_("Yes, make a new address"),
                back=reverse("calendar_settings"),
            )
        services.regenerate_calendar_token(user=user)
        if replacing:
            messages.success(request, _("New calendar address made. The old one no longer works."))
        return redirect("calendar_settings")
    feed = (
        request.build_absolute_uri(reverse("calendar_feed", args=[user.calendar_token]))
        if user.calendar_token
        else None
    )
    # webcal:// opens the phone's calendar app ready to subscribe (same address otherwise).
    webcal = "webcal://" + feed.split("://", 1)[1] if feed else None
    return render(request, "accounts/calendar.html", {"feed_url": feed, "webcal_url": webcal})


@signed_in
def close_account(request):
    form = ClosureForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.request_closure(user=request.user, reason=form.cleaned_data["reason"])
        logout(request)
        return render(request, "accounts/closed.html")
    return render(request, "accounts/close_account.html", {"form": form})
