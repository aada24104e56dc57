import zoneinfo

from allauth.account.forms import SignupForm
from allauth.core import context
from django import forms
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.forms import DigitsRule, Form, LongSelect, ModelForm
from core.validators import single_line
from members import invitations, text_numbers
from members.models import (
    REMINDER_HOUR_CHOICES,
    ContactDetails,
    Organisation,
    User,
    timezone_choices,
)
from members.services import accept_invitation


class InvitationSignupForm(DigitsRule, SignupForm):
    """allauth's signup form, bound to the invitation in the visitor's session."""

    display_name = forms.CharField(
        label=_("What should we call you?"),
        max_length=80,
        validators=[single_line],
        help_text=_("Your first name or a name you choose. Other people in your group see this."),
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    # Filled in by static/js/timezone.js from the browser; the server default otherwise.
    timezone = forms.CharField(required=False, widget=forms.HiddenInput)

    field_order = ["email", "display_name", "password1", "password2"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        invitation = invitations.usable_invitation(context.request)
        if invitation is not None:
            self.fields["email"].initial = invitation.email
        self.fields["timezone"].widget.attrs["data-browser-timezone"] = ""

    def clean_timezone(self) -> str:
        value = self.cleaned_data.get("timezone", "")
        return value if value in zoneinfo.available_timezones() else settings.TIME_ZONE

    def signup(self, request, user) -> None:
        invitation = invitations.usable_invitation(request)
        user.display_name = self.cleaned_data["display_name"]
        user.timezone = self.cleaned_data["timezone"]
        user.save(update_fields=["display_name", "timezone"])
        accept_invitation(invitation=invitation, user=user)
        invitations.forget(request)


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


class ContactDetailsForm(ModelForm):
    class Meta:
        model = ContactDetails
        fields = ["phone", "may_call", "emergency_name", "emergency_phone", "may_call_emergency"]


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
        for topic, choice in text_numbers.current_choices(person).items():
            self.fields[topic] = forms.ChoiceField(
                label=text_numbers.Topic(topic).label,
                choices=text_numbers.Choice.choices,
                initial=choice,
                widget=forms.RadioSelect,
            )
