from django.apps import AppConfig


class SessionsConfig(AppConfig):
    name = "sessions"
    # "sessions" is taken by django.contrib.sessions; management commands use this label.
    label = "group_sessions"
    verbose_name = "Group sessions"

    def ready(self) -> None:
        from members import audit
        from members import outbox as members_outbox
        from sessions.models import (
            AbsenceFollowUp,
            Addendum,
            Attendance,
            GroupNote,
            IndividualNote,
        )
        from sessions.outbox import plan_person_reminders

        # Someone joins a group or comes back: their reminders are planned at once.
        members_outbox.register_person_planner(plan_person_reminders)

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
