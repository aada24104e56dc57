from django.apps import AppConfig


class AdministrationConfig(AppConfig):
    """The admins' pages: therapists, groups, organisation settings, reports, closures, account
    activity and delivery health. Counts and outcomes, never clinical text."""

    name = "administration"
    verbose_name = "Administration"
