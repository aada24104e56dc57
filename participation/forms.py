"""Forms of the participants' pages."""

from django import forms


class CheckInForm(forms.Form):
    progress = forms.IntegerField(min_value=0, max_value=10)
    note = forms.CharField(
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="A note (optional)",
    )
