"""The domain's own forms, shared by more than one audience: a group's details (facilitators
and admins), a goal (participants write one, facilitators suggest one). Every other form lives
with the pages that use it."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.forms import LongSelect, ModelForm
from members.models import Organisation, Role, User, timezone_choices
from therapy_groups.models import Goal, TherapyGroup


class GroupForm(ModelForm):
    timezone = forms.ChoiceField(
        choices=timezone_choices,
        widget=LongSelect,
        help_text=gettext_lazy("Where the group meets. Type to jump in the list."),
    )
    co_facilitators = forms.ModelMultipleChoiceField(
        queryset=User.objects.filter(role=Role.FACILITATOR, is_active=True).order_by("first_name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Other facilitators who run this group with you."),
    )

    class Meta:
        model = TherapyGroup
        fields = [
            "name",
            "display_name",
            "description",
            "focus",
            "kind",
            "enrollment_mode",
            "capacity",
            "location",
            "video_link",
            "timezone",
            "default_duration",
            "start_date",
            "end_date",
        ]
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "end_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, facilitator: User | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.facilitator = facilitator
        if facilitator is not None:
            self.fields["co_facilitators"].queryset = self.fields[
                "co_facilitators"
            ].queryset.exclude(pk=facilitator.pk)
        self.fields["co_facilitators"].label_from_instance = lambda u: u.get_full_name() or u.email
        if not self.instance.pk:  # a new group starts in its facilitator's or the clinic's zone
            zone = facilitator.timezone if facilitator else Organisation.current().timezone
            self.fields["timezone"].initial = zone
        if facilitator is None:
            return
        if self.instance.pk:
            others = self.instance.facilitators.exclude(pk=facilitator.pk)
            self.fields["co_facilitators"].initial = others

    def clean(self):
        data = super().clean()
        if not data.get("location") and not data.get("video_link"):
            raise forms.ValidationError(
                _("Give a place, a video link, or both, so people know where to go.")
            )
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end date must be on or after the start date."))
        return data


class GoalForm(ModelForm):
    class Meta:
        model = Goal
        fields = ["what", "why", "how_know", "by_when", "shared"]
        widgets = {
            "why": forms.Textarea(attrs={"rows": 2}),
            "how_know": forms.Textarea(attrs={"rows": 2}),
            "by_when": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        help_texts = {
            "what": gettext_lazy("A few words, e.g. “Walk outside three times a week”."),
            "why": gettext_lazy("Optional."),
            "how_know": gettext_lazy("Optional."),
            "by_when": gettext_lazy("Optional."),
        }
