from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = "Members"

    def ready(self) -> None:
        from members import account_audit, messages

        account_audit.track_accounts()
        messages.register()


class TogetherAdminConfig(admin_apps.AdminConfig):
    """Django admin on our own site class (members.admin_site): no login of its own."""

    default = False  # named in INSTALLED_APPS; "members" stays MembersConfig
    default_site = "members.admin_site.TogetherAdminSite"
