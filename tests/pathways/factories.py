from members.models import User
from pathways import services
from pathways.models import Referral, Source


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
