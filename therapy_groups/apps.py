from django.apps import AppConfig


class TherapyGroupsConfig(AppConfig):
    name = "therapy_groups"
    verbose_name = "Therapy groups"

    def ready(self) -> None:
        from members.signals import invitation_accepted
        from therapy_groups import services

        def attach_enrollments(sender, invitation, user, **kwargs):
            services.claim_invited_enrollments(invitation=invitation, user=user)

        # members knows nothing of groups; this is how a new account finds its group.
        invitation_accepted.connect(
            attach_enrollments, dispatch_uid="attach_enrollments", weak=False
        )
