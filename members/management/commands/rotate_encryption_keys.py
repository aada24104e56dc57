from allauth.mfa.models import Authenticator
from django.core.management.base import BaseCommand
from django.db import transaction

from core import audit, db_roles, encryption
from core.models import AuditEvent
from members import mfa_secrets


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored clinical text under the first FIELD_ENCRYPTION_KEYS key. "
        "Run it after putting a new key first; drop the old key only once it has finished."
    )

    def handle(self, *args, **options):
        # Signed notes accept a rewrite of their ciphertext from the tables' owner only.
        with db_roles.as_owner():
            self.rotate()

    def rotate(self):
        counts = {}
        for model, columns in encryption.encrypted_columns().items():
            counts[model._meta.label_lower] = encryption.rewrite_ciphertexts(
                model._meta.db_table, columns, encryption.rotate
            )
            self.stdout.write(f"{model._meta.label}: {counts[model._meta.label_lower]} values")
        with transaction.atomic():
            counts["mfa.authenticator"] = mfa_secrets.rewrite(Authenticator, encryption.rotate)
        self.stdout.write(f"mfa.Authenticator: {counts['mfa.authenticator']} rows")
        audit.record(AuditEvent.Action.KEYS_ROTATED, AuditEvent, detail={"values": counts})
        self.stdout.write(
            self.style.SUCCESS(f"Re-encrypted {sum(counts.values())} values under the first key.")
        )
