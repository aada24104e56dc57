import zoneinfo

from allauth.account.forms import SignupForm
from allauth.core import context
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.forms import DigitsRule
from core.validators import single_line
from members import invitations
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
