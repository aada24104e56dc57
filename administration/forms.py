"""Forms of the admins' pages."""

import holidays
from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.forms import Form, LongSelect, ModelForm
from members.models import (
    REMINDER_HOUR_CHOICES,
    CrisisLine,
    Organisation,
    Role,
    User,
    timezone_choices,
)
from therapy_groups.forms import GroupForm


class InviteTherapistForm(Form):
    email = forms.EmailField(label=gettext_lazy("Invite a therapist by email"))

    def clean_email(self):
        email = self.cleaned_data["email"].lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("Someone already has an account with this email."))
        return email


def holiday_countries() -> list[tuple[str, str]]:
    """Every country the holidays package knows, by name ("united_kingdom": United Kingdom)."""
    registry = holidays.registry.COUNTRIES
    countries = sorted((key.replace("_", " ").title(), spec[1]) for key, spec in registry.items())
    return [("", "None (no warnings)")] + [(code, name) for name, code in countries]


class OrganisationForm(ModelForm):
    allowed_reminder_hours = forms.TypedMultipleChoiceField(
        coerce=int,
        choices=REMINDER_HOUR_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Reminder times people may choose"),
    )
    default_reminder_hours = forms.TypedMultipleChoiceField(
        coerce=int,
        choices=REMINDER_HOUR_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Reminder times for people who have not chosen"),
    )

    timezone = forms.ChoiceField(
        choices=timezone_choices,
        widget=LongSelect,
        label=gettext_lazy("The organisation's time zone"),
        help_text=gettext_lazy("New groups start in this zone."),
    )
    holiday_country = forms.ChoiceField(
        choices=holiday_countries,
        required=False,
        label=gettext_lazy("Country for public holidays"),
        help_text=gettext_lazy(
            "Scheduling warns when a session falls on one of its public holidays."
        ),
    )

    class Meta:
        model = Organisation
        fields = [
            "name",
            "crisis_resources",
            "support_contact",
            "allowed_reminder_hours",
            "default_reminder_hours",
            "goal_prompt_days",
            "follow_up_window_hours",
            "participants_see_scores",
            "name_in_subjects",
            "contact_phone",
            "contact_hours",
            "timezone",
            "language",
            "holiday_country",
            "quiet_from",
            "quiet_until",
        ]
        widgets = {
            "crisis_resources": forms.Textarea(attrs={"rows": 6}),
            "quiet_from": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "quiet_until": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The crisis resources in each other language, as the organisation writes them.
        written = self.instance.crisis_resources_in
        for code, name in settings.LANGUAGES:
            self.fields[f"crisis_resources_{code}"] = forms.CharField(
                label=_("Crisis resources in %(language)s") % {"language": name},
                required=False,
                initial=written.get(code, ""),
                widget=forms.Textarea(attrs={"rows": 4, "lang": code}),
                help_text=_(
                    "For people who read this language. Leave empty to show the text above."
                ),
            )

    def clean(self):
        data = super().clean()
        data["crisis_resources_in"] = {
            code: text.strip()
            for code, _ in settings.LANGUAGES
            if (text := data.pop(f"crisis_resources_{code}", "") or "").strip()
        }
        allowed, defaults = (
            set(data.get("allowed_reminder_hours", [])),
            data.get("default_reminder_hours", []),
        )
        if not set(defaults) <= allowed:
            self.add_error(
                "default_reminder_hours",
                "The usual times must be among the times people may choose.",
            )
        return data


def _facilitator_choices():
    return User.objects.filter(role=Role.FACILITATOR, is_active=True).order_by(
        "first_name", "email"
    )


class GroupFacilitatorsForm(Form):
    facilitators = forms.ModelMultipleChoiceField(
        queryset=_facilitator_choices(),
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Everyone ticked runs the group and sees its notes."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facilitators"].queryset = _facilitator_choices()
        self.fields["facilitators"].label_from_instance = lambda u: u.get_full_name() or u.email


class AdminGroupForm(GroupForm):
    """An admin creates a group for others to run: they choose its facilitators."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, facilitator=None, **kwargs)
        del self.fields["co_facilitators"]
        self.fields["facilitators"] = GroupFacilitatorsForm().fields["facilitators"]


class CrisisLineForm(ModelForm):
    class Meta:
        model = CrisisLine
        fields = ["name", "phone", "text_number", "hours", "web"]


# Existing lines in order, and two empty rows to add one; "Remove" drops a line.
CrisisLineFormSet = forms.modelformset_factory(
    CrisisLine, form=CrisisLineForm, extra=2, can_delete=True
)


class AgreementForm(Form):
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 12}),
        label=gettext_lazy("Group confidentiality agreement"),
        help_text=gettext_lazy(
            "Changing its words makes a new version, which participants accept again."
        ),
        max_length=20000,
        strip=False,  # kept as typed for the review; services.agreement_words decides
    )
    # Set by the review step's button: the admin has seen how many will be asked again.
    reviewed = forms.BooleanField(required=False, widget=forms.HiddenInput)
