from django.apps import AppConfig


class TherapyGroupsConfig(AppConfig):
    name = "therapy_groups"
    verbose_name = "Therapy groups"

    def ready(self) -> None:
        from core import audit
        from members.signals import invitation_accepted
        from therapy_groups import messages, services
        from therapy_groups.models import Enrollment, Goal, GoalCheckIn, GoalComment, TherapyGroup

        messages.register()

        def attach_enrollments(sender, invitation, user, **kwargs):
            services.claim_invited_enrollments(invitation=invitation, user=user)

        # members knows nothing of groups; this is how a new account finds its group.
        invitation_accepted.connect(
            attach_enrollments, dispatch_uid="attach_enrollments", weak=False
        )

        def by_goal(field):
            return lambda instance: getattr(instance.goal, field)

        audit.track(Enrollment, group=lambda e: e.group_id, participant=lambda e: e.participant_id)
        audit.track(Goal, group=lambda g: g.group_id, participant=lambda g: g.participant_id)
        audit.track(GoalCheckIn, group=by_goal("group_id"), participant=by_goal("participant_id"))
        audit.track(GoalComment, group=by_goal("group_id"), participant=by_goal("participant_id"))
        audit.track_membership(TherapyGroup.facilitators.through, group_of=lambda group: group.pk)
