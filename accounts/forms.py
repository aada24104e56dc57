"""The forms of a person's own account pages: preferences, contact details, texts, closing."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.forms import Form, LongSelect, ModelForm
from members import services, text_numbers
from members.models import (
    REMINDER_HOUR_CHOICES,
    Organisation,
    User,
    timezone_choices,
)
from members.record import SELF_FIELDS, PersonRecord


class PreferencesForm(ModelForm):
    timezone = forms.ChoiceField(
        help_text=_("Every time in the app is shown in this zone."), widget=LongSelect
    )
    reminder_hours = forms.TypedMultipleChoiceField(
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("When to remind you"),
    )

    class Meta:
        model = User
        fields = [
            "display_name",
            "language",
            "timezone",
            "session_reminders",
            "reminder_hours",
            "goal_prompts",
        ]

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = timezone_choices()
        usual = dict(settings.LANGUAGES)[organisation.language]
        self.fields["language"].choices = [
            ("", gettext("%(language)s, the organisation's language") % {"language": usual}),
            *settings.LANGUAGES,
        ]
        labels = dict(REMINDER_HOUR_CHOICES)

        def before(hours: int) -> str:
            when = labels.get(hours) or gettext("%(hours)s hours") % {"hours": hours}
            return gettext("%(when)s before") % {"when": when}

        self.fields["reminder_hours"].choices = [
            (h, before(h)) for h in sorted(organisation.allowed_reminder_hours)
        ]
        usual = sorted(organisation.default_reminder_hours, reverse=True)
        self.fields["reminder_hours"].help_text = (
            gettext("Leave all unticked for the usual times: %(times)s each session.")
            % {"times": gettext(" and ").join(before(h) for h in usual)}
            if usual
            else gettext("Leave all unticked for no reminders.")
        )


class ClosureForm(Form):
    reason = forms.CharField(
        max_length=300, required=False, label=_("Anything you'd like us to know (optional)")
    )
    confirm = forms.BooleanField(
        label=_("I understand I will be signed out and cannot sign in again")
    )


class OwnRecordForm(ModelForm):
    """What a person may correct in the clinic's record of them: their own values."""

    class Meta:
        model = PersonRecord
        fields = list(SELF_FIELDS)
        labels = {"known_as": _("The name you go by"), "preferred_language": _("Your language")}
        help_texts = {
            "preferred_language": _(
                "The language you'd like for appointments, and whether you'd like an interpreter."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        record = self.instance
        for name in list(self.fields):
            if record.pk and not services.self_may_change(record, name):
                del self.fields[name]


class TextNumberForm(Form):
    number = forms.CharField(
        label=_("Your mobile number"),
        max_length=30,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )

    def clean_number(self) -> str:
        return text_numbers.normalised(self.cleaned_data["number"])


class TextCodeForm(Form):
    code = forms.CharField(
        label=_("The six-digit code we texted you"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]{6}"}
        ),
    )


class MessageChannelsForm(Form):
    """For each of the person's topics: email, text or both."""

    def __init__(self, *args, person, **kwargs):
        super().__init__(*args, **kwargs)
        for topic, choice in text_numbers.current_choices(person):
            self.fields[topic.code] = forms.ChoiceField(
                label=topic.label,
                choices=text_numbers.Choice.choices,
                initial=choice,
                widget=forms.RadioSelect,
            )
