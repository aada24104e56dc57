from django.apps import AppConfig


class SessionsConfig(AppConfig):
    name = "sessions"
    # "sessions" is taken by django.contrib.sessions; management commands use this label.
    label = "group_sessions"
    verbose_name = "Group sessions"

    def ready(self) -> None:
        from core import audit
        from sessions import outbox
        from sessions.models import (
            AbsenceFollowUp,
            Addendum,
            Attendance,
            GroupNote,
            IndividualNote,
        )

        # Its message kinds, what the tick plans, and what someone who joins is owed.
        outbox.register()

        def session_group(instance):
            return instance.session.group_id

        def participant(instance):
            return instance.participant_id

        def addendum_note(addendum):
            return addendum.group_note or addendum.individual_note

        audit.track(Attendance, group=session_group, participant=participant)
        audit.track(GroupNote, group=session_group)
        audit.track(IndividualNote, group=session_group, participant=participant)
        audit.track(
            Addendum,
            group=lambda a: session_group(addendum_note(a)),
            participant=lambda a: getattr(addendum_note(a), "participant_id", None),
            action=lambda a, created, fields: audit.Action.ADDENDUM if created else None,
        )
        audit.track(AbsenceFollowUp, group=lambda f: f.group_id, participant=participant)
