from django.apps import AppConfig


class ParticipationConfig(AppConfig):
    """The participants' pages: home and schedule, "I can't make it", places offered, goals and
    check-ins (also by emailed link), calendar feeds, and their own data."""

    name = "participation"
    verbose_name = "Participation"
