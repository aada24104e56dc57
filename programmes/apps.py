from django.apps import AppConfig


class ProgrammesConfig(AppConfig):
    name = "programmes"
    verbose_name = "Programmes"

    def ready(self) -> None:
        from core import audit
        from programmes.models import Handout, HandoutRelease

        def group_of_handout(handout):
            return handout.session.group_id if handout.session_id else None

        audit.track(Handout, group=group_of_handout)
        audit.track(HandoutRelease, group=lambda release: release.session.group_id)
