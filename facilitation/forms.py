from datetime import date, timedelta

from django import forms
from django.conf import settings
from django.utils.formats import date_format
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from core.forms import Form, ModelForm
from core.validators import single_line
from measures.models import ContactMethod, FollowUpAction, Instruments, NextStep, Schedule
from measures.services import NEXT_STEPS
from members.record import CLINIC_FIELDS, LABELS, PersonRecord
from pathways.models import CloseReason
from programmes.models import ProgrammeTemplate
from programmes.worksheets import KINDS
from sessions.models import (
    NOTE_FIELDS,
    Attendance,
    GroupNote,
    GroupSession,
    NoteFormat,
    SessionSeries,
)
from sessions.services import MAX_SERIES_SESSIONS
from therapy_groups.forms import GoalForm
from therapy_groups.models import Enrollment

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")  # what <input type=date> reads
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class SessionDateField(forms.DateField):
    """A day a session can be on: from two years back (recording past sessions) to five years
    ahead. Beyond that a date is a typo, and near the ends of the calendar time-zone arithmetic
    overflows."""

    BACK, AHEAD = timedelta(days=731), timedelta(days=1827)

    def validate(self, value):
        super().validate(value)
        today = date.today()
        if value and not today - self.BACK <= value <= today + self.AHEAD:
            first, last = today - self.BACK, today + self.AHEAD
            raise forms.ValidationError(
                _("Choose a date between %(first)s and %(last)s.")
                % {"first": date_format(first, "j F Y"), "last": date_format(last, "j F Y")},
                code="date_out_of_range",
            )


class ScheduleForm(Form):
    REPEAT_CHOICES = [("once", "Just once"), *SessionSeries.Frequency.choices]

    first_date = SessionDateField(widget=DATE, label=gettext_lazy("Date"))
    at = forms.TimeField(widget=TIME, label=gettext_lazy("Start time (the group's time zone)"))
    duration = forms.IntegerField(
        min_value=15, max_value=480, label=gettext_lazy("Length (minutes)")
    )
    repeat = forms.ChoiceField(choices=REPEAT_CHOICES, initial="weekly")
    count = forms.IntegerField(
        min_value=1,
        max_value=MAX_SERIES_SESSIONS,
        required=False,
        label=gettext_lazy("Number of sessions"),
        help_text=gettext_lazy("For a series: how many."),
    )
    until = SessionDateField(
        widget=DATE,
        required=False,
        label=gettext_lazy("Or: last date"),
        help_text=gettext_lazy("For a series: the last possible date."),
    )
    location = forms.CharField(
        max_length=200,
        required=False,
        validators=[single_line],
        help_text=gettext_lazy("Leave empty to use the group's place."),
    )
    video_link = forms.URLField(
        required=False, help_text=gettext_lazy("Leave empty to use the group's link.")
    )

    def clean(self):
        data = super().clean()
        if data.get("repeat", "once") != "once":
            count, until = data.get("count"), data.get("until")
            if (count is None) == (until is None):
                raise forms.ValidationError(
                    _("For a series, give either the number of sessions or the last date.")
                )
            if until and data.get("first_date") and until < data["first_date"]:
                self.add_error("until", _("The last date must be after the first date."))
        return data


class ChangeSessionForm(Form):
    day = SessionDateField(widget=DATE, label=gettext_lazy("Date"))
    at = forms.TimeField(widget=TIME, label=gettext_lazy("Start time (the group's time zone)"))
    duration = forms.IntegerField(
        min_value=15, max_value=480, label=gettext_lazy("Length (minutes)")
    )
    location = forms.CharField(max_length=200, required=False, validators=[single_line])
    video_link = forms.URLField(required=False)
    topic = forms.CharField(max_length=200, required=False, validators=[single_line])
    and_following = forms.BooleanField(
        required=False,
        label=gettext_lazy("Also change the later sessions in this series (time, place, link)"),
    )


class CancelSessionForm(Form):
    reason = forms.CharField(
        label=gettext_lazy("Why"),
        max_length=300,
        help_text=gettext_lazy("Kept in the session's record. Members do not see it."),
    )
    members_message = forms.CharField(
        label=gettext_lazy("A message for the members (optional)"),
        max_length=200,
        required=False,
        validators=[single_line],
        help_text=gettext_lazy(
            "Goes to every member, by email and on their home page, after “cancelled”. "
            "Leave it empty and they are told only that it is cancelled."
        ),
    )


class PlanForm(ModelForm):
    worksheet = forms.ChoiceField(
        label=gettext_lazy("Worksheet for the take-home practice"),
        required=False,
        choices=lambda: [("", _("None")), *worksheet_choices()],
        help_text=gettext_lazy("Members fill it in on their phone; you read it here."),
    )

    class Meta:
        model = GroupSession
        fields = [
            "topic",
            "agenda",
            "curriculum_module",
            "materials_link",
            "materials_shared",
            "take_home",
        ]
        widgets = {
            "agenda": forms.Textarea(attrs={"rows": 4}),
            "take_home": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "topic": "Participants see the topic.",
            "take_home": "Participants see this after the session.",
        }


class MeasurePlanForm(Form):
    instruments = forms.MultipleChoiceField(
        label=gettext_lazy("Questionnaires"),
        choices=Instruments.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=gettext_lazy(
            "PHQ-9 for depression, GAD-7 for anxiety. Choose none to stop asking."
        ),
    )
    schedule = forms.ChoiceField(
        label=gettext_lazy("When"),
        choices=Schedule.choices,
        widget=forms.RadioSelect,
        initial="every",
    )


class CloseFollowUpForm(Form):
    contact = forms.ChoiceField(
        label=gettext_lazy("How did you make contact?"),
        choices=ContactMethod.choices,
        widget=forms.RadioSelect,
    )
    next_step = forms.ChoiceField(
        label=gettext_lazy("If you could not reach them: what was done instead?"),
        choices=[(step, NextStep(step).label) for step in NEXT_STEPS],
        widget=forms.RadioSelect,
        required=False,
    )
    actions = forms.MultipleChoiceField(
        label=gettext_lazy("What was done?"),
        choices=FollowUpAction.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    outcome = forms.CharField(
        label=gettext_lazy("Notes (kept encrypted; the participant does not see them)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
    )


class AttendanceForm(Form):
    status = forms.ChoiceField(choices=Attendance.Status.choices)
    comment = forms.CharField(max_length=200, required=False)
    # Needed once the notes are signed (the service says so): added to the note as an addendum.
    reason = forms.CharField(max_length=300, required=False)


class GroupNoteForm(Form):
    format = forms.ChoiceField(choices=NoteFormat.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in sorted({f for fields in NOTE_FIELDS.values() for f in fields}):
            label = GroupNote.section_label(name)
            self.fields[name] = forms.CharField(
                required=False, label=label, widget=forms.Textarea(attrs={"rows": 4})
            )


class IndividualNoteForm(Form):
    progress = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    participation = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    risk_flag = forms.BooleanField(required=False, label=gettext_lazy("Risk concern"))


class AddendumForm(Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label=gettext_lazy("Addendum"))


class InviteForm(Form):
    email = forms.EmailField(
        help_text=gettext_lazy("We email them a link. People with an account join at once.")
    )
    override_reason = forms.CharField(
        required=False,
        max_length=300,
        label=gettext_lazy("Reason to add to a closed group (if it has met)"),
    )


class EndEnrollmentForm(Form):
    status = forms.ChoiceField(
        choices=[
            (Enrollment.Status.COMPLETED, "Completed the group"),
            (Enrollment.Status.WITHDRAWN, "Left the group"),
        ]
    )
    left_on = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        label=gettext_lazy("Last day"),
    )
    reason = forms.CharField(required=False, max_length=300)


class SuggestGoalForm(GoalForm):
    class Meta(GoalForm.Meta):
        fields = ["what", "why", "how_know", "by_when"]


class CommentForm(Form):
    text = forms.CharField(
        max_length=1000, widget=forms.Textarea(attrs={"rows": 2}), label=gettext_lazy("Comment")
    )


class PersonRecordForm(ModelForm):
    """The clinic's record of a person, as staff keep it."""

    class Meta:
        model = PersonRecord
        fields = list(CLINIC_FIELDS)
        labels = LABELS
        widgets = {"date_of_birth": DATE, "referrer_address": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "identifier": gettext_lazy("An NHS number is checked against its check digit."),
        }

    def clean_date_of_birth(self):
        born = self.cleaned_data["date_of_birth"]
        if born and not date(1900, 1, 1) <= born <= date.today():
            raise forms.ValidationError(_("Give a date of birth in the past, such as 14/03/1987."))
        return born


# Referrals --------------------------------------------------------------------------------

REFERRAL_DETAILS = [
    "known_as",
    "legal_name",
    "date_of_birth",
    "phone",
    "referrer_name",
    "referrer_service",
    "referrer_phone",
    "referrer_email",
    "identifier_kind",
    "identifier",
]


class ReferralForm(Form):
    """A referral a clinician enters: how to reach the person, who referred them, and why."""

    email = forms.EmailField(
        label=gettext_lazy("Their email address"),
        help_text=gettext_lazy("The invitation goes here when a place is offered."),
    )
    reason = forms.CharField(
        label=gettext_lazy("What they would like help with"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    consent = forms.BooleanField(label=gettext_lazy("They agreed to be contacted by us"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        details = forms.fields_for_model(
            PersonRecord, fields=REFERRAL_DETAILS, labels=LABELS, widgets={"date_of_birth": DATE}
        )
        details["known_as"].required = True
        self.fields.update(details)

    def clean(self):
        cleaned = super().clean()
        record = PersonRecord(**self.details())
        try:
            record.clean()  # the identifier's check digit
        except forms.ValidationError as error:
            self.add_error(None, error)
        return cleaned

    def details(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in REFERRAL_DETAILS}


class ScreeningBookingForm(Form):
    day = SessionDateField(widget=DATE, label=gettext_lazy("Date"))
    at = forms.TimeField(widget=TIME, label=gettext_lazy("Time (your time zone)"))


class ScreenedForm(Form):
    readiness_note = forms.CharField(
        label=gettext_lazy("Your note on their readiness for a group"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class OfferForm(Form):
    group = forms.ModelChoiceField(queryset=None, label=gettext_lazy("Group"))
    late_reason = forms.CharField(
        required=False,
        max_length=300,
        label=gettext_lazy("Reason to add to a closed group (if it has met)"),
    )

    def __init__(self, *args, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = groups


class CloseReferralForm(Form):
    reason = forms.ChoiceField(choices=CloseReason.choices, label=gettext_lazy("Why it closes"))


class DischargeForm(Form):
    words = forms.CharField(
        label=gettext_lazy("Your summary, in your own words"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=gettext_lazy(
            "It goes in the letter to whoever referred them, and the member can read it."
        ),
    )
    boosters = forms.BooleanField(
        required=False,
        label=gettext_lazy(
            "They agreed to short check-ins 1, 3 and 6 months from now "
            "(by email or text, as they chose)"
        ),
    )


class SignDischargeForm(Form):
    reviewed = forms.CharField(widget=forms.HiddenInput)


# Programme templates -----------------------------------------------------------------------


class ProgrammeForm(Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120, validators=[single_line])
    language = forms.ChoiceField(
        label=gettext_lazy("Language of its text"), choices=settings.LANGUAGES
    )
    description = forms.CharField(
        label=gettext_lazy("What it is for"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ModuleForm(Form):
    key = forms.SlugField(
        label=gettext_lazy("Key"),
        max_length=50,
        help_text=gettext_lazy(
            "A short name that stays the same in every version (progress counts by it)."
        ),
    )
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200, validators=[single_line])
    agenda = forms.CharField(
        label=gettext_lazy("Agenda"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    take_home = forms.CharField(
        label=gettext_lazy("Take-home practice"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    note_prompts = forms.CharField(
        label=gettext_lazy("Prompts for the group note (one a line)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    worksheet = forms.ChoiceField(
        label=gettext_lazy("Worksheet for the take-home practice"),
        required=False,
        choices=lambda: [("", _("None")), *worksheet_choices()],
    )


def worksheet_choices() -> list[tuple[str, str]]:
    """The worksheet kinds, by their title in the page's language."""
    language = get_language()
    return [(kind.slug, kind.title(language)) for kind in KINDS.values()]


# Two empty rows for new modules each time the page is shown; ORDER numbers set the order.
ModuleFormSet = forms.formset_factory(
    ModuleForm, extra=2, can_order=True, can_delete=True, max_num=52, validate_max=True
)


class ProgrammeFileForm(Form):
    file = forms.FileField(
        label=gettext_lazy("A programme template file (.json)"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/json,.json"}),
    )


class GroupProgrammeForm(Form):
    programme = forms.ModelChoiceField(
        label=gettext_lazy("Programme"),
        queryset=ProgrammeTemplate.objects.all(),
        required=False,
        empty_label=gettext_lazy("None: plan each session yourself"),
        help_text=gettext_lazy(
            "Sessions you schedule take their plans from its latest version, in order."
        ),
    )
    move_on = forms.BooleanField(
        label=gettext_lazy("Move the group to its latest version"), required=False
    )

    def __init__(self, *args, followed=None, **kwargs):
        super().__init__(*args, **kwargs)
        latest = followed.version.template.current if followed else None
        if latest is None or latest == followed.version:
            del self.fields["move_on"]  # nothing newer to move to
        else:
            self.fields["move_on"].help_text = _(
                "It follows version %(ours)s; version %(latest)s is the latest. Sessions "
                "already planned keep their plans."
            ) % {"ours": followed.version.number, "latest": latest.number}


class HandoutForm(Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200, validators=[single_line])
    language = forms.ChoiceField(label=gettext_lazy("Language"), choices=settings.LANGUAGES)
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy(
            "PDF, a picture (PNG, JPEG, WebP) or an office document (Word, Excel, PowerPoint, "
            "OpenDocument), up to 10 MB."
        ),
    )
