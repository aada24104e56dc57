from django.apps import AppConfig


class DemoConfig(AppConfig):
    """`manage.py seed_demo` and its data: accounts, three groups, their history."""

    name = "demo"
    verbose_name = "Demo data"
