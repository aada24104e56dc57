from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """A person's own account pages, whatever their role (an audience app, like participation,
    facilitation and administration). members keeps people, roles, sign-in rules and their
    services."""

    name = "accounts"
    verbose_name = "Accounts"
