from django.apps import AppConfig


class FacilitationConfig(AppConfig):
    """The facilitators' pages: their groups and rosters, scheduling, sessions, attendance,
    notes and signing, participants' records, goal suggestions and comments."""

    name = "facilitation"
    verbose_name = "Facilitation"
