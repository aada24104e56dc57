"""How forms render: Django's own layout, with the errors that belong to no one field left to
the page, which shows them once as an alert above the form (templates/includes/form_errors.html).
Django's default shows them a second time at the top of {{ form }}."""

from django.forms.renderers import DjangoTemplates


class FormRenderer(DjangoTemplates):
    form_template_name = "core/form.html"
