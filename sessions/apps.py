from django.apps import AppConfig


class SessionsConfig(AppConfig):
    name = "sessions"
    # "sessions" is taken by django.contrib.sessions; management commands use this label.
    label = "group_sessions"
    verbose_name = "Group sessions"
