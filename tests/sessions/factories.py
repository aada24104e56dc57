import datetime

import factory

from sessions import services
from sessions.models import Attendance, GroupSession
from sessions.notes import signing_review
from tests.therapy_groups.factories import TherapyGroupFactory


class GroupSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GroupSession

    group = factory.SubFactory(TherapyGroupFactory)
    starts_at = factory.Sequence(
        lambda n: (
            datetime.datetime(2026, 2, 3, 18, 0, tzinfo=datetime.UTC) + datetime.timedelta(weeks=n)
        )
    )
    duration = 90
    status = GroupSession.Status.SCHEDULED


class AttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attendance

    session = factory.SubFactory(GroupSessionFactory)
    status = Attendance.Status.PRESENT


def sign(session, signer):
    """Sign a session's notes as the review page shows them now."""
    return services.sign_notes(
        session=session, signer=signer, reviewed=signing_review(session).fingerprint
    )


def reviewed(session) -> dict:
    """The sign form's data: what the review page showed."""
    return {"reviewed": signing_review(session).fingerprint}


def later_today(group, *, hour: int = 23, **fields):
    """A session at `hour` o'clock later today where the group meets, whatever the time the
    tests run: the group meets in London, or in Chicago when London's evening is too late."""
    import zoneinfo
    from datetime import datetime, time

    from django.utils import timezone

    for name in ("Europe/London", "America/Chicago"):
        zone = zoneinfo.ZoneInfo(name)
        if timezone.localtime(timezone.now(), zone).hour < hour - 3:
            break
    group.timezone = name
    group.save(update_fields=["timezone"])
    starts = datetime.combine(timezone.localdate(timezone.now(), zone), time(hour), tzinfo=zone)
    return GroupSessionFactory(group=group, starts_at=starts, **fields)
