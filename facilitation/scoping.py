"""What a facilitator may open: every object through a scoping queryset, so another group's
ids answer 404, never 403 (not even a hint that they exist)."""

from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from members.models import User
from pathways import queries as pathways_queries
from sessions.models import GroupSession
from therapy_groups.models import TherapyGroup


def group_for(request, group_id: int) -> TherapyGroup:
    return get_object_or_404(TherapyGroup.objects.facilitated_by(request.user), pk=group_id)


def session_for(request, session_id: int) -> GroupSession:
    return get_object_or_404(
        GroupSession.objects.for_facilitator(request.user).select_related("group"), pk=session_id
    )


def member_of(group: TherapyGroup, participant_id: int) -> User:
    """Someone who is or was in the group; 404 for anyone else (invited people who have not
    joined included: until they accept, the facilitator only knows the address they typed)."""
    enrollment = (
        group.enrollments.filter(participant_id=participant_id, joined_on__isnull=False)
        .select_related("participant")
        .first()
    )
    if enrollment is None:
        raise Http404
    return enrollment.participant


def person_for_record(request, person_id: int) -> User:
    """Someone whose clinic record this facilitator keeps: a member, now or before, of one of
    their groups, or someone whose referral they handle until the person joins a group; 404
    for anyone else."""
    member = Q(
        enrollments__group__in=TherapyGroup.objects.facilitated_by(request.user),
        enrollments__joined_on__isnull=False,
    )
    referred = Q(pk__in=pathways_queries.people_handled_by(request.user))
    return get_object_or_404(User.objects.filter(member | referred).distinct(), pk=person_id)
