"""The clinic's record of a person: who they are, how to reach them, who referred them.

One record per person, whoever typed each value: the person (their phone and emergency contact,
from their account pages) or the clinic (legal name, birth date, referrer, identifier, from the
staff pages). `entered_by` keeps, for each value, the account that entered it; the person may
correct what they entered themselves, and sees the rest in their own pages and export.

Every value that says something about the person is encrypted at rest. The record is shown only
to the facilitators of the person's groups and to whoever handles their referral (never to
admins, never to other members), and each read and change is in the audit trail.
"""

import re
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import models
from django.utils import formats
from django.utils.translation import gettext, gettext_lazy

from core.encryption import EncryptedCharField, EncryptedDateField, EncryptedTextField
from core.validators import known_choice, nhs_number, phone_number, single_line


def dial_link(scheme: str, number: str) -> str:
    """tel: or sms: with the digits alone ("116 123" becomes tel:116123)."""
    return f"{scheme}:" + re.sub(r"[^\d+]", "", number)


def _line(label, max_length: int, *validators) -> EncryptedCharField:
    return EncryptedCharField(
        label, max_length=max_length, blank=True, validators=[single_line, *validators]
    )


class IdentifierKind(models.TextChoices):
    NONE = "", gettext_lazy("None")
    NHS = "nhs", gettext_lazy("NHS number")
    OTHER = "other", gettext_lazy("Another identifier")


class PersonRecord(models.Model):
    IdentifierKind = IdentifierKind

    person = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="record"
    )
    legal_name = _line(gettext_lazy("Legal name"), 200)
    known_as = _line(gettext_lazy("Name they go by"), 120)
    date_of_birth = EncryptedDateField(gettext_lazy("Date of birth"), blank=True, default=None)
    pronouns = _line(gettext_lazy("Pronouns"), 40)
    preferred_language = _line(
        gettext_lazy("Language for appointments (and whether an interpreter is needed)"), 80
    )
    phone = _line(gettext_lazy("your phone number"), 30, phone_number)
    other_phone = _line(gettext_lazy("another phone number"), 30, phone_number)
    may_call = models.BooleanField(
        gettext_lazy("my group's facilitators may phone me if they are worried about me"),
        default=False,
    )
    emergency_name = _line(gettext_lazy("an emergency contact (name)"), 120)
    emergency_relationship = _line(gettext_lazy("who they are to you (optional)"), 60)
    emergency_phone = _line(gettext_lazy("their phone number"), 30, phone_number)
    may_call_emergency = models.BooleanField(
        gettext_lazy(
            "they may phone my emergency contact if they cannot reach me and fear for my safety"
        ),
        default=False,
    )
    referrer_name = _line(gettext_lazy("Referred by (name)"), 120)
    referrer_service = _line(gettext_lazy("Their service or practice"), 160)
    referrer_phone = _line(gettext_lazy("Their phone number"), 30, phone_number)
    referrer_email = _line(gettext_lazy("Their email address"), 254, EmailValidator())
    referrer_address = EncryptedTextField(
        gettext_lazy("Their postal address (for the discharge letter)"), blank=True
    )
    identifier_kind = models.CharField(
        gettext_lazy("Identifier"), max_length=5, blank=True, choices=IdentifierKind.choices
    )
    identifier = _line(gettext_lazy("Identifier number"), 40)
    # {field name: id of the account that entered its current value}; cleared values drop out.
    entered_by = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            known_choice("identifier_kind", IdentifierKind, name="identifier_kind_known")
        ]

    def __str__(self) -> str:
        return f"Record {self.pk}"

    def clean(self) -> None:
        if self.identifier_kind == IdentifierKind.NHS:
            try:
                nhs_number(self.identifier)
            except ValidationError as error:
                raise ValidationError({"identifier": error}) from error

    @property
    def phone_link(self) -> str:
        return dial_link("tel", self.phone)

    @property
    def other_phone_link(self) -> str:
        return dial_link("tel", self.other_phone)

    @property
    def emergency_phone_link(self) -> str:
        return dial_link("tel", self.emergency_phone)

    @property
    def referrer_phone_link(self) -> str:
        return dial_link("tel", self.referrer_phone)

    def entered_by_person(self, field: str) -> bool:
        return self.entered_by.get(field) == self.person_id


def record_of(person) -> "PersonRecord":
    """The person's record, or an empty one (not saved) when nothing is recorded yet."""
    return PersonRecord.objects.filter(person=person).first() or PersonRecord(person=person)


# What a person may enter and correct about themselves; the rest is the clinic's to enter.
SELF_FIELDS = (
    "known_as",
    "pronouns",
    "preferred_language",
    "phone",
    "may_call",
    "other_phone",
    "emergency_name",
    "emergency_relationship",
    "emergency_phone",
    "may_call_emergency",
)
CLINIC_FIELDS = (
    "legal_name",
    "known_as",
    "date_of_birth",
    "pronouns",
    "preferred_language",
    "phone",
    "other_phone",
    "may_call",
    "emergency_name",
    "emergency_relationship",
    "emergency_phone",
    "may_call_emergency",
    "referrer_name",
    "referrer_service",
    "referrer_phone",
    "referrer_email",
    "referrer_address",
    "identifier_kind",
    "identifier",
)


# The values as the clinic reads them (the model's labels speak to the person).
LABELS = {
    "phone": gettext_lazy("Phone"),
    "other_phone": gettext_lazy("Another phone"),
    "may_call": gettext_lazy("Agreed to be phoned if the facilitators are worried"),
    "emergency_name": gettext_lazy("Emergency contact"),
    "emergency_relationship": gettext_lazy("Who they are to the person"),
    "emergency_phone": gettext_lazy("Emergency contact's phone"),
    "may_call_emergency": gettext_lazy(
        "Agreed that the emergency contact may be phoned if they cannot be reached"
    ),
}


@dataclass(frozen=True)
class RecordValue:
    field: str
    label: str
    value: str
    by_person: bool  # entered by the person themselves, not the clinic


def record_values(record: "PersonRecord | None", *, only_clinic: bool = False) -> list[RecordValue]:
    """The record's values that are set, labelled and as text, each with who entered it."""
    if record is None:
        return []
    shown = []
    for name in CLINIC_FIELDS:
        field = record._meta.get_field(name)
        value = getattr(record, name)
        if value in ("", None, False) or (only_clinic and record.entered_by_person(name)):
            continue
        if field.choices:
            value = record._get_FIELD_display(field)
        elif isinstance(value, date):
            value = formats.date_format(value, "DATE_FORMAT")
        elif value is True:
            value = gettext("Yes")
        label = str(LABELS.get(name, field.verbose_name))
        shown.append(RecordValue(name, label, str(value), record.entered_by_person(name)))
    return shown
