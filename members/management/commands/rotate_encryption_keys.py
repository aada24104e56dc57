from django.core.management.base import BaseCommand

from members import audit, encryption
from members.models import AuditEvent


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored clinical text under the first FIELD_ENCRYPTION_KEYS key. "
        "Run it after putting a new key first; drop the old key only once it has finished."
    )

    def handle(self, *args, **options):
        counts = {}
        for model, columns in encryption.encrypted_columns().items():
            counts[model._meta.label_lower] = encryption.rewrite_ciphertexts(
                model._meta.db_table, columns, encryption.rotate
            )
            self.stdout.write(f"{model._meta.label}: {counts[model._meta.label_lower]} values")
        audit.record(AuditEvent.Action.KEYS_ROTATED, AuditEvent, detail={"values": counts})
        self.stdout.write(
            self.style.SUCCESS(f"Re-encrypted {sum(counts.values())} values under the first key.")
        )
