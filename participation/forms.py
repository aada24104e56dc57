"""Forms of the participants' pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import Form


class CheckInForm(Form):
    progress = forms.IntegerField(min_value=0, max_value=10)
    note = forms.CharField(
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=_("A note (optional)"),
    )
