from django.apps import AppConfig


class PathwaysConfig(AppConfig):
    name = "pathways"
    verbose_name = "Pathways"

    def ready(self) -> None:
        from core import audit
        from members.signals import invitation_accepted
        from pathways import boosters, screening, services
        from pathways.models import Referral, ReferralStep

        def joined(sender, invitation, user, **kwargs):
            services.note_joined(invitation=invitation, person=user)

        # The invitation that offered a place is how a referral learns the person has joined.
        invitation_accepted.connect(joined, dispatch_uid="referral_joined", weak=False)
        screening.register()
        boosters.register()
        audit.track(Referral, group=lambda r: None, participant=lambda r: r.person_id)
        audit.track(ReferralStep, group=lambda s: None, participant=lambda s: s.referral.person_id)
