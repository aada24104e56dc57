from django.core.management.commands import migrate

from core import db_roles


class Command(migrate.Command):
    """Django's migrate, connected as the owner role, then the app role's grants renewed."""

    def handle(self, *args, **options):
        with db_roles.as_owner():
            super().handle(*args, **options)
            db_roles.grant_app_privileges()
