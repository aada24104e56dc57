from django.core.management.base import BaseCommand

from core.outbox import delivery


class Command(BaseCommand):
    help = (
        "Hold all sending (run by scripts/restore.sh): a restored database may hold messages "
        "that already went out. An admin resumes on the Delivery health page."
    )

    def handle(self, *args, **options):
        at = delivery.db_now()
        delivery.hold(at)
        self.stdout.write(f"Delivery is on hold since {at:%Y-%m-%d %H:%M} UTC.")
