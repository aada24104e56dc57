import json

from django.utils import timezone

from members.models import User
from pathways import discharge, services
from pathways.models import DischargeSummary, Referral, Source


def referral(*, handler=None, email="referred@example.org", known_as="Rae", **details) -> Referral:
    """A referral a clinician entered (and, with `handler`, took on)."""
    made = services.refer(
        email=email,
        source=Source.CLINICIAN,
        by=handler,
        details={"known_as": known_as, **details},
        reason="Low mood since the spring",
        consent=True,
    )
    if handler is not None:
        services.take(referral=made, by=handler)
    return Referral.objects.get(pk=made.pk)


def person(email: str) -> User:
    return User.objects.get(email=email)


def signed_summary(enrollment, *, by, signed_at=None, boosters=False) -> DischargeSummary:
    """A signed discharge summary of this membership, made as the services would make it
    (signed `signed_at`, now by default)."""
    summary = DischargeSummary.objects.filter(enrollment=enrollment).first()
    if summary is None:
        summary = DischargeSummary.objects.create(
            enrollment=enrollment,
            person=enrollment.participant,
            group=enrollment.group,
            author=by,
            facts=json.dumps(discharge.facts(enrollment)),
            signed_at=signed_at or timezone.now(),
            signed_by=by,
            boosters=boosters,
        )
    return summary
