"""How forms render: Django's own layout, with the errors that belong to no one field left to
the page, which shows them once as an alert above the form (templates/includes/form_errors.html).
Django's default shows them a second time at the top of {{ form }}."""

from django import forms
from django.forms.renderers import DjangoTemplates


class FormRenderer(DjangoTemplates):
    form_template_name = "core/form.html"


class LongSelect(forms.Select):
    """A select of hundreds of options (time zones) drawn by one template. Django's own draws
    each option with a template of its own: 17 ms for the zone list, most of a page's time."""

    template_name = "core/widgets/long_select.html"
