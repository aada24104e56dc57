from django.apps import AppConfig


class SessionsConfig(AppConfig):
    name = "sessions"
    # "sessions" is taken by django.contrib.sessions; management commands use this label.
    label = "group_sessions"
    verbose_name = "Group sessions"

    def ready(self) -> None:
        from allauth.mfa.models import Authenticator

        from members import audit, fragments
        from members import outbox as members_outbox
        from members.models import ClosureRequest, Invitation, Organisation, User
        from sessions.models import (
            AbsenceFollowUp,
            Addendum,
            Attendance,
            GroupNote,
            GroupSession,
            IndividualNote,
            SessionSeries,
        )
        from sessions.outbox import plan_person_reminders
        from sessions.queries import own_page_scopes
        from therapy_groups.models import Enrollment

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

        # Cached pages that show what the audit trail does not see (its writes drop their own).
        fragments.follow(GroupSession, lambda s: [fragments.group(s.group_id)])
        fragments.follow(SessionSeries, lambda s: [fragments.group(s.group_id)])
        # A person's name, time zone or closure request shows on their groups' pages too.
        fragments.follow(User, own_page_scopes)
        fragments.follow(ClosureRequest, lambda request: own_page_scopes(request.user))
        fragments.follow(Authenticator, lambda mfa: [fragments.person(mfa.user_id)])
        fragments.follow(
            Invitation,
            lambda invitation: map(
                fragments.group,
                Enrollment.objects.filter(invitation=invitation).values_list("group_id", flat=True),
            ),
        )
        fragments.follow(Organisation, lambda organisation: [fragments.EVERY_PAGE])
