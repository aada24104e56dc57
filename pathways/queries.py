"""Reads on referrals, scoped to who may see them."""

from django.db.models import Q

from pathways.models import OPEN, Referral, ReferralStep, Status
from therapy_groups.models import TherapyGroup


def waiting_to_be_taken():
    """New referrals nobody has taken yet, the longest waiting first. Any facilitator sees
    these (the name the person goes by, how and when they came) to take one on."""
    return (
        Referral.objects.waiting_to_be_taken()
        .select_related("person")
        .only("person__first_name", "source", "received_at", "status")
        .order_by("received_at", "pk")
    )


def handled_by(user, *, open_only: bool = True):
    referrals = Referral.objects.handled_by(user).select_related("person", "enrollment__group")
    referrals = referrals.open() if open_only else referrals.exclude(status__in=OPEN)
    return referrals.order_by("received_at", "pk")


def for_handler(user):
    """What a facilitator may open: the referrals they handle."""
    return Referral.objects.handled_by(user).select_related("person", "enrollment__group")


def for_taking(user):
    """What a facilitator may take on: unhandled new ones, or their own (taking is idempotent)."""
    return Referral.objects.filter(Q(handler__isnull=True, status=Status.NEW) | Q(handler=user))


def steps_of(referral: Referral):
    return ReferralStep.objects.filter(referral=referral).select_related("by")


def people_handled_by(user):
    """Whose clinic record a handler keeps: the people of their referrals, until they join a
    group (from then on, the group's facilitators do)."""
    return Referral.objects.handled_by(user).exclude(status=Status.JOINED).values("person")


def groups_to_offer():
    return TherapyGroup.objects.filter(status=TherapyGroup.Status.ACTIVE).order_by("name")
