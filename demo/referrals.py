"""Demo referrals, one in each state of the path: waiting to be taken, screening booked,
screened, offered a place, joined and closed."""

from datetime import timedelta

from django.utils import timezone

from members import services as member_services
from members.models import User
from pathways import services
from pathways.models import CloseReason, Referral, Source
from sessions.queries import cohort_started
from therapy_groups.models import TherapyGroup

PEOPLE = [  # (email, name they go by, legal name, how far along)
    ("ash.referred@example.com", "Ash", "Ashley Brennan", "new"),
    ("bea.referred@example.com", "Bea", "Beatriz Silva", "screening_booked"),
    ("cal.referred@example.com", "Cal", "Callum Reid", "screened"),
    ("dee.referred@example.com", "Dee", "Deepa Nair", "offered"),
    ("eli.referred@example.com", "Eli", "Elias Haddad", "closed"),
    ("fin.referred@example.com", "Fin", "Finley Moss", "joined"),
]


def seed_referrals(handler: User, *, password: str) -> None:
    if Referral.objects.exists():
        return
    group = TherapyGroup.objects.filter(name="Thursday peer support").first()
    for email, known_as, legal_name, state in PEOPLE:
        source = Source.SELF if state == "new" else Source.CLINICIAN
        referral = services.refer(
            email=email,
            source=source,
            by=None if source == Source.SELF else handler,
            details={
                "known_as": known_as,
                "legal_name": legal_name,
                "referrer_name": "Dr Amara Okafor",
                "referrer_service": "Riverside Surgery",
                "referrer_address": "1 River Street\nRiverside RS1 1AA",
            },
            reason="Low mood for some months; finding it hard to see friends.",
            consent=True,
        )
        if state == "new":
            continue
        services.take(referral=referral, by=handler)
        services.book_screening(
            referral=referral, by=handler, at=timezone.now() + timedelta(days=3)
        )
        if state in ("screening_booked",):
            continue
        if state == "closed":
            services.close(referral=referral, by=handler, reason=CloseReason.NOT_SUITABLE)
            continue
        services.record_screening(
            referral=referral, by=handler, readiness_note="Keen to start; evenings suit best."
        )
        if state in ("offered", "joined") and group is not None:
            referral = services.offer_place(
                referral=referral,
                group=group,
                by=handler,
                cohort_started=cohort_started(group),
            )
        if state == "joined" and referral.enrollment is not None:
            member_services.start_account(
                invitation=referral.enrollment.invitation, person=referral.person, password=password
            )
