from django.apps import AppConfig


class MeasuresConfig(AppConfig):
    name = "measures"
    verbose_name = "Measures"

    def ready(self) -> None:
        from core import audit
        from measures import messages
        from measures.models import FollowUp, MeasureResponse

        messages.register()  # its message kinds

        def participant(instance):
            return instance.participant_id

        def group(instance):
            return instance.group_id

        audit.track(MeasureResponse, group=group, participant=participant)
        audit.track(FollowUp, group=group, participant=participant)
