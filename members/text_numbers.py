"""A person's mobile number for texts: added, verified by a six-digit code sent to it, removed;
and, for each topic, whether its messages come by email, by text or both.

Only a verified number gets texts (`number_for`, which the outbox asks through
members/recipients.py as each text is sent), and only until its owner replies STOP. The code
goes through the outbox like every message, lasts ten minutes and allows five tries; a person
can have at most three codes sent in an hour, so a form cannot be used to text someone again
and again.

Emails are planned for everyone and texts for those with a number that takes them; each row
is checked against the person's choice again when it is sent (`wanted`). Someone who chose
texts only still gets the email whenever a text cannot reach them (no checked number, STOP,
texts switched off), so a choice never leaves them with nothing.
"""

import secrets
from datetime import timedelta

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Min
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import outbox
from core.clock import db_now
from core.outbox.models import Notification
from core.validators import ascii_digits_only
from members.models import CodeSent, ReplyReceived, TextNumber, User

CODE = "text_code"
CODE_LIFETIME = timedelta(minutes=10)
MAX_WRONG_TRIES = 5
CODES_PER_HOUR = 3
MOBILE = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
EMAIL, TEXT = Notification.Channel.EMAIL, Notification.Channel.TEXT


Choice = outbox.Choice


def normalised(raw: str) -> str:
    """`raw` as an E.164 mobile number; numbers without a country code are read as
    PHONE_REGION's. Raises ValidationError with a message for the person."""
    if not ascii_digits_only(raw):  # phonenumbers would read them; nothing else here does
        raise ValidationError(_("Use the digits 0 to 9."), code="digits")
    try:
        parsed = phonenumbers.parse(raw, settings.PHONE_REGION)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        raise ValidationError(
            _(
                "That doesn't look like a mobile number. Check the digits, or start with the "
                "country code, such as +44."
            ),
            code="invalid",
        )
    if phonenumbers.number_type(parsed) not in MOBILE:
        raise ValidationError(
            _("That looks like a landline. Texts need a mobile number."), code="landline"
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def shown(number: str) -> str:
    """A number as people read it: +44 7700 900123."""
    return phonenumbers.format_number(
        phonenumbers.parse(number), phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )


@transaction.atomic
def send_code(*, person: User, number: str) -> TextNumber:
    """Start (or restart) verifying `number` (already normalised) for `person`: a new code goes
    to it by text. Texts to the old number stop until the new one is verified."""
    User.objects.select_for_update().filter(pk=person.pk).first()  # one code at a time each
    digest = TextNumber.digest(number)
    _refuse_past_the_limit(person, digest)
    now = timezone.now()
    found = TextNumber.objects.select_for_update().filter(person=person).first()
    found = found or TextNumber(person=person)
    if found.number != number:
        found.number, found.verified_at, found.stopped_at = number, None, None
        found.number_digest = digest
    found.code = f"{secrets.randbelow(10**6):06d}"
    found.code_sent_at, found.wrong_tries = now, 0
    found.save()
    CodeSent.objects.create(person=person, number_digest=digest)
    # A new code replaces one not yet sent.
    outbox.cancel_pending(kind=CODE, recipient=person)
    outbox.enqueue(
        kind=CODE,
        channel=Notification.Channel.TEXT,
        recipient=person,
        subject_id=found.pk,
        occurrence=now,
        expires_at=now + CODE_LIFETIME,
    )
    return found


def _refuse_past_the_limit(person: User, digest: str) -> None:
    """At most CODES_PER_HOUR codes an hour to one person, and to one number whoever asks,
    counted on the database's clock."""
    hour_ago = Now() - timedelta(hours=1)
    recent = CodeSent.objects.filter(sent_at__gt=hour_ago)
    counted = [recent.filter(person=person), recent.filter(number_digest=digest)]
    full = [sent for sent in counted if sent.count() >= CODES_PER_HOUR]
    if not full:
        return
    oldest = min(sent.aggregate(first=Min("sent_at"))["first"] for sent in full)
    wait = oldest + timedelta(hours=1) - db_now()
    raise ValidationError(
        _("We have sent %(codes)s codes in the last hour. Please try again in %(minutes)s minutes.")
        % {"codes": CODES_PER_HOUR, "minutes": max(1, round(wait.total_seconds() / 60))},
        code="too_many_codes",
    )


def confirm_number(*, person: User, code: str) -> None:
    """The code typed back: the number is verified. Raises ValidationError otherwise, once the
    wrong try is counted (outside the transaction, so the count is kept)."""
    problem = _check_code(person, code.strip())
    if problem:
        raise ValidationError(*problem)
    outbox.plan_for_person(person)  # reminders already planned by email now go by text too


@transaction.atomic
def _check_code(person: User, code: str) -> tuple[str, str] | None:
    found = TextNumber.objects.select_for_update().filter(person=person).first()
    if found is None or not found.code:
        return _("There is no code waiting. Ask for a new one."), "no_code"
    if timezone.now() - found.code_sent_at > CODE_LIFETIME or found.wrong_tries >= MAX_WRONG_TRIES:
        found.code = ""
        found.save(update_fields=["code"])
        return _("That code has run out. Ask for a new one."), "expired"
    if not constant_time_compare(code, found.code):
        found.wrong_tries += 1
        found.save(update_fields=["wrong_tries"])
        left = MAX_WRONG_TRIES - found.wrong_tries
        if not left:
            return (
                _("That code doesn't match, and it has now run out. Ask for a new one."),
                "expired",
            )
        return (
            ngettext(
                "That code doesn't match. %(left)s try left.",
                "That code doesn't match. %(left)s tries left.",
                left,
            )
            % {"left": left},
            "wrong_code",
        )
    found.verified_at, found.code, found.wrong_tries = timezone.now(), "", 0
    found.save(update_fields=["verified_at", "code", "wrong_tries"])
    return None


@transaction.atomic
def remove_number(*, person: User) -> None:
    """No more texts: the number is forgotten, and texts waiting for it will not go."""
    TextNumber.objects.filter(person=person).delete()
    outbox.cancel_pending(channel=Notification.Channel.TEXT, recipient=person)


# Replies: STOP and START ------------------------------------------------------------------

# Twilio's default keywords (a reply that is exactly one of them, in any case), which it also
# acts on itself: we follow them so that what the person sees here matches what they get.
STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
START_WORDS = {"START", "YES", "UNSTOP"}


def with_number(number: str):
    """Every TextNumber for `number` (a shared phone may be more than one person's), found by
    its digest; digests made under a SECRET_KEY now in SECRET_KEY_FALLBACKS are renewed."""
    current = TextNumber.digest(number)
    older = [TextNumber.digest(number, key) for key in settings.SECRET_KEY_FALLBACKS]
    if older:
        TextNumber.objects.filter(number_digest__in=older).update(number_digest=current)
    return TextNumber.objects.filter(number_digest=current)


@transaction.atomic
def reply_received(*, message_sid: str, number: str, body: str, opt_out_type: str = "") -> str:
    """A text `number` sent us. STOP (or a synonym) stops our texts to it at once, START brings
    them back; anything else changes nothing (we never answer). Returns which it was. A provider
    that knows the keywords itself says so in `opt_out_type` (Twilio's Advanced Opt-Out). Each
    reply acts once: the same `message_sid` again (a replay) changes nothing."""
    if not ReplyReceived.objects.get_or_create(message_sid=message_sid)[1]:
        return "repeat"
    word = keyword(opt_out_type or body)
    if word in STOP_WORDS:
        stop_texts(number)
        return "stop"
    if word in START_WORDS:
        restart_texts(number)
        return "start"
    return ""


def keyword(text: str) -> str:
    """The reply as a keyword, matched as Twilio matches them: the whole reply, one word of
    ASCII letters in any case. (Python's upper() turns a long s, U+017F, into S.)"""
    word = text.strip(" \t\r\n")
    return word.upper() if word.isascii() and word.isalpha() else ""


@transaction.atomic
def stop_texts(number: str) -> None:
    """No more texts to `number`, from now: those waiting are cancelled (emails still go)."""
    stopping = with_number(number).filter(stopped_at__isnull=True)
    people = list(stopping.values_list("person_id", flat=True))
    stopping.update(stopped_at=timezone.now())
    outbox.cancel_pending(channel=TEXT, recipient_id__in=people)


@transaction.atomic
def restart_texts(number: str) -> None:
    """Texts to `number` again; reminders already planned get their texts back."""
    restarting = with_number(number).filter(stopped_at__isnull=False)
    people = list(User.objects.filter(text_number__in=restarting))
    restarting.update(stopped_at=None)
    for person in people:
        outbox.plan_for_person(person)


def provider_says_stopped(row: Notification) -> None:
    """The provider refused a text because its number replied STOP there (perhaps while our
    reply address was down): the number is stopped here too."""
    found = TextNumber.objects.filter(person_id=row.recipient_id).first()
    if found is not None:
        stop_texts(found.number)


def checked_number(person) -> str:  # a person or their id
    """The person's checked number as people read it, for them and their group's facilitators
    (the callers keep to that); "" when there is none."""
    found = TextNumber.objects.filter(person=person, verified_at__isnull=False).first()
    return shown(found.number) if found else ""


def people_texted(people: set[int]) -> set[int]:
    """Which of these people have a checked number that has not replied STOP."""
    return set(
        TextNumber.objects.filter(
            person_id__in=people, verified_at__isnull=False, stopped_at__isnull=True
        ).values_list("person_id", flat=True)
    )


def number_for(row: Notification) -> str | None:
    """Where a text goes, read as it is sent: the verification code to the number it checks;
    everything else to a verified number whose owner has not replied STOP."""
    found = TextNumber.objects.filter(person_id=row.recipient_id).first()
    if found is None or found.stopped_at is not None:
        return None
    if row.kind == CODE:
        return found.number if found.pk == row.subject_id and found.code else None
    return found.number if found.verified else None


def code_text(row: Notification, now) -> outbox.Text | None:
    found = TextNumber.objects.filter(pk=row.subject_id, person_id=row.recipient_id).first()
    if found is None or not found.code:
        return None
    return outbox.Text(
        _(
            "Your Together code is %(code)s. It works for 10 minutes. If you didn't ask for "
            "it, you can ignore this text."
        )
        % {"code": found.code}
    )


# Email, text or both, per topic ------------------------------------------------------------


def chosen(person: User, topic: outbox.Topic) -> str:
    value = (person.message_channels or {}).get(topic.code)
    return value if value in Choice.values else topic.default


def topics_for(person: User) -> list[outbox.Topic]:
    """The topics a person chooses channels for: the staff's or the participants' (the apps
    that send them declare them with their message kinds)."""
    return [topic for topic in outbox.topics() if topic.for_staff == person.is_staff_role]


def current_choices(person: User) -> list[tuple[outbox.Topic, str]]:
    return [(topic, chosen(person, topic)) for topic in topics_for(person)]


def choose_channels(*, person: User, choices: dict[str, str]) -> None:
    """Save the person's choice for each of their topics (by code); messages already planned
    by email get their texts."""
    person.message_channels = {
        topic.code: choices[topic.code]
        for topic in topics_for(person)
        if choices.get(topic.code) in Choice.values
    }
    person.save(update_fields=["message_channels"])
    outbox.plan_for_person(person)


def channels(people: list[User], topic: outbox.Topic) -> dict[int, list[str]]:
    """For planning: email for everyone (it goes unless `wanted` says otherwise when it is
    sent), and text too for those with a number that takes texts who chose text or both."""
    texted = people_texted({person.pk for person in people})
    return {
        person.pk: [EMAIL, TEXT]
        if person.pk in texted and chosen(person, topic) != Choice.EMAIL
        else [EMAIL]
        for person in people
    }


def wanted(row: Notification, topic: outbox.Topic) -> bool:
    """At sending: a text goes if the person chose text or both; an email goes unless they
    chose texts only and a text can reach them now."""
    choice = chosen(row.recipient, topic)
    if row.channel == TEXT:
        return choice != Choice.EMAIL
    return choice != Choice.TEXT or settings.SMS is None or not people_texted({row.recipient_id})
