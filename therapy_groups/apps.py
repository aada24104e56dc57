from django.apps import AppConfig


class TherapyGroupsConfig(AppConfig):
    name = "therapy_groups"
    verbose_name = "Therapy groups"
