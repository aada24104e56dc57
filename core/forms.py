"""How forms render: Django's own layout, with the errors that belong to no one field left to
the page, which shows them once as an alert above the form (templates/includes/form_errors.html).
Django's default shows them a second time at the top of {{ form }}."""

from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.translation import gettext

from core.request_context import current_request
from core.validators import ascii_digits_only


class FormRenderer(DjangoTemplates):
    form_template_name = "core/form.html"

    def render(self, template_name, context, request=None):
        if template_name.startswith("django/forms/errors/") and context.get("errors"):
            refused_input()  # a page showing a form's errors refuses what was posted
        return super().render(template_name, context, request)


def refused_input() -> None:
    request = current_request()
    if request is not None:
        request.refused_input = True


class RefusedInputStatusMiddleware:
    """Bad input gets a 4xx, whichever view shows it: a full page posted to that comes back
    showing a form's errors answers 400, not 200. (htmx fragments keep their status: htmx swaps
    only 2xx answers, and an autosave shows its own errors.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            getattr(request, "refused_input", False)
            and request.method == "POST"
            and response.status_code == 200
            and not request.headers.get("HX-Request")
        ):
            response.status_code = 400
        return response


class LongSelect(forms.Select):
    """A select of hundreds of options (time zones) drawn by one template. Django's own draws
    each option with a template of its own: 17 ms for the zone list, most of a page's time."""

    template_name = "core/widgets/long_select.html"


# Fields whose typed value is read as a number, a date or a time.
READ_AS_NUMBERS = (
    forms.IntegerField,
    forms.DecimalField,
    forms.FloatField,
    forms.DateField,
    forms.TimeField,
    forms.DateTimeField,
)


class DigitsRule:
    """One rule for digits across the app: a number, date or time is typed in the digits 0 to
    9. Python reads Arabic-Indic or full-width digits as numbers (int() and strptime accept
    any Unicode digit), so without this a form would take what no other part of the app does.
    Every form of ours inherits it (core.forms.Form and ModelForm; tests/test_digits.py checks)."""

    def full_clean(self):
        super().full_clean()
        if not self.is_bound:
            return
        for name, field in self.fields.items():
            if not isinstance(field, READ_AS_NUMBERS) or name not in self.cleaned_data:
                continue
            key = self.add_prefix(name)
            typed = (
                self.data.getlist(key) if hasattr(self.data, "getlist") else [self.data.get(key)]
            )
            if any(isinstance(value, str) and not ascii_digits_only(value) for value in typed):
                self.add_error(name, gettext("Use the digits 0 to 9."))


class PageErrors:
    """The errors that belong to no one field are shown by the page, not the renderer
    (templates/includes/form_errors.html): showing them refuses what was posted, too."""

    def non_field_errors(self):
        errors = super().non_field_errors()
        if errors:
            refused_input()
        return errors


class Form(PageErrors, DigitsRule, forms.Form):
    pass


class ModelForm(PageErrors, DigitsRule, forms.ModelForm):
    pass
