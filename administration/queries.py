"""Reads for the admins' pages: counts and lists, never clinical text (the views stay thin)."""

from collections import defaultdict
from datetime import timedelta

from allauth.mfa.models import Authenticator
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from core.outbox import delivery
from core.outbox.models import Notification
from members.models import ClosureRequest, Role, User
from sessions.queries import next_session_subquery
from therapy_groups.models import Enrollment, TherapyGroup
from therapy_groups.queries import closures_for_facilitator

PAGE_SIZE = 50


def facilitators():
    return User.objects.filter(role=Role.FACILITATOR)


def active_groups_of(therapist: User) -> int:
    return therapist.facilitated_groups.filter(status=TherapyGroup.Status.ACTIVE).count()


def open_closure_requests():
    return ClosureRequest.objects.filter(handled_at__isnull=True).select_related("user")


def closures_handled_by(person: User):
    """The closure requests `person` may mark handled: an admin any, a facilitator those of
    their groups' members."""
    if person.role == Role.FACILITATOR:
        return closures_for_facilitator(person)
    return ClosureRequest.objects.all()


def therapists(page_number):
    """A page of therapists, active first, each with their caseload, whether they have a
    second step, and the names of the groups they run."""
    # Subqueries rather than a join-and-count, so the page (and the paginator's count) does
    # not multiply every therapist by their groups' enrollments.
    caseload = (
        Enrollment.objects.filter(
            group__facilitators=OuterRef("pk"), status=Enrollment.Status.ACTIVE
        )
        .order_by()
        .values("group__facilitators")
        .annotate(n=Count("participant", distinct=True))
        .values("n")
    )
    people = (
        User.objects.filter(role=Role.FACILITATOR)
        .only("email", "first_name", "last_name", "display_name", "is_active", "last_login")
        .annotate(
            caseload=Coalesce(Subquery(caseload), 0),
            has_mfa=Exists(Authenticator.objects.filter(user=OuterRef("pk"), type="totp")),
        )
        .order_by("-is_active", "first_name", "email")
    )
    page = Paginator(people, PAGE_SIZE).get_page(page_number)
    # Group names as plain pairs: a prefetch built hundreds of group objects to print names.
    group_names = defaultdict(list)
    for user_id, name in (
        TherapyGroup.objects.live()
        .filter(facilitators__in=[t.pk for t in page])
        .order_by("name")
        .values_list("facilitators", "name")
    ):
        group_names[user_id].append(name)
    for therapist in page:
        therapist.group_names = group_names[therapist.pk]
    return page


def groups():
    """Every group with its active members, next session and whether an active facilitator
    runs it: unstaffed groups first."""
    active_facilitator = User.objects.filter(facilitated_groups=OuterRef("pk"), is_active=True)
    return (
        TherapyGroup.objects.annotate(
            members=Count("enrollments", filter=Q(enrollments__status=Enrollment.Status.ACTIVE)),
            next_session_at=next_session_subquery(),
            staffed=Exists(active_facilitator),
        )
        .prefetch_related("facilitators")
        .order_by("staffed", "status", "name")
    )


def message_counts(*, since) -> dict:
    """{(kind, channel): {state: count}} for messages made since then."""
    counts: dict = {}
    recent = Notification.objects.filter(created_at__gte=since)
    for row in recent.values("kind", "channel", "state").annotate(n=Count("pk")):
        counts.setdefault((row["kind"], row["channel"]), {})[row["state"]] = row["n"]
    return counts


def failed_messages(limit: int = 20) -> list[Notification]:
    return list(
        Notification.objects.filter(state=Notification.State.FAILED)
        .order_by("-due_at")
        .only("kind", "channel", "attempts", "due_at", "last_error")[:limit]
    )


def oldest_waiting() -> Notification | None:
    return Notification.objects.filter(state=Notification.State.PENDING).order_by("due_at").first()


def due_before(moment) -> int:
    """Messages still to send that fell due before this moment (a restore's hold)."""
    return Notification.objects.filter(
        state__in=[Notification.State.PENDING, Notification.State.SENDING], due_at__lt=moment
    ).count()


def texts_by_month(now, months: int = 3) -> list[dict]:
    """Texts sent and the segments they cost, this month and the ones before (what the
    provider bills), with what the provider's reports said reached the phone."""
    since = timezone.localtime(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    for __ in range(months - 1):
        since = (since - timedelta(days=1)).replace(day=1)
    sent = (
        Notification.objects.filter(
            channel=Notification.Channel.TEXT, state=Notification.State.SENT, sent_at__gte=since
        )
        .annotate(month=TruncMonth("sent_at"))
        .values("month")
        .annotate(
            texts=Count("pk"),
            segments=Coalesce(Sum("segments"), 0),
            delivered=Count("pk", filter=Q(delivery_status__in=["delivered", "read"])),
            not_delivered=Count("pk", filter=Q(delivery_status__in=delivery.NOT_DELIVERED)),
            # A send whose answer never came back, and no report settled (core.outbox.delivery).
            maybe_twice=Count("pk", filter=Q(maybe_sent__gt=0)),
        )
        .order_by("-month")
    )
    return list(sent)
