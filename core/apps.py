from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Cross-cutting infrastructure that knows no domain: the outbox and its delivery engine
    (with the registry of message kinds and the text provider), the audit trail, the database's
    clock, encryption, request context, headers, feedback messages, charts, QR codes, CSV
    safety, validators, path converters, database roles, mail in development."""

    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from core.translations import remember_lookups

        remember_lookups()
