"""Forms of the participants' pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import Form
from core.validators import phone_number, single_line


class CheckInForm(Form):
    progress = forms.IntegerField(min_value=0, max_value=10)
    note = forms.CharField(
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=_("A note (optional)"),
    )


class SelfReferralForm(Form):
    """Asking for a place, without an account. `website` is a trap for robots: people never see
    it (it is hidden from screens and screen readers), and a form that fills it is dropped."""

    known_as = forms.CharField(
        label=_("What should we call you?"), max_length=120, validators=[single_line]
    )
    email = forms.EmailField(
        label=_("Your email address"),
        help_text=_("We write to you here about your place. We never share it."),
    )
    phone = forms.CharField(
        label=_("A phone number we can call (optional)"),
        max_length=30,
        required=False,
        validators=[single_line, phone_number],
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    reason = forms.CharField(
        label=_("What would you like help with? (optional)"),
        help_text=_("A few words are enough. You can tell us more when we talk."),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    consent = forms.BooleanField(
        label=_("I agree that the clinic may contact me by email or phone about this")
    )
    website = forms.CharField(
        label=_("Leave this empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    issued = forms.CharField(widget=forms.HiddenInput)
