from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from core import encryption


class Command(BaseCommand):
    help = (
        "Check that FIELD_ENCRYPTION_KEYS open what this database holds: one stored value of "
        "every encrypted column is decrypted (after a restore, before anyone signs in)."
    )

    def handle(self, *args, **options):
        checked = 0
        for model, columns in encryption.encrypted_columns().items():
            for column in columns:
                with connection.cursor() as cursor:
                    cursor.execute(
                        f'SELECT "{column}" FROM "{model._meta.db_table}" '  # noqa: S608 (_meta)
                        f"""WHERE "{column}" <> '' LIMIT 1"""
                    )
                    row = cursor.fetchone()
                if row is None:
                    continue
                try:
                    encryption.decrypt(row[0])
                except (ImproperlyConfigured, ValueError) as error:
                    raise CommandError(
                        f"{model._meta.label}.{column}: {error} This database was encrypted with "
                        "other keys: set FIELD_ENCRYPTION_KEYS to the keys kept with this backup."
                    ) from error
                checked += 1
        self.stdout.write(self.style.SUCCESS(f"The keys open every encrypted column ({checked})."))
