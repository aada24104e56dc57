from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Cross-cutting infrastructure that knows no domain: encryption, request context, headers,
    feedback messages, charts, CSV safety, validators, path converters, database roles."""

    name = "core"
    verbose_name = "Core"
