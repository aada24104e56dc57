"""Handouts, for the people who may open them: a member's programme page (where they are,
and what their groups' sessions released), and the one way any handout file leaves the app
(facilitators use it too). Each download is checked against who asks, recorded in the audit
trail, and sent as an attachment that a browser must not guess the type of."""

from django.http import FileResponse
from django.shortcuts import get_object_or_404, render
from django.utils.text import slugify

from core import audit
from members.access import participant_page, roles_required
from members.models import Role
from programmes import handouts, queries
from therapy_groups.models import TherapyGroup


@roles_required(Role.PARTICIPANT)
@participant_page
def my_handouts(request):
    """Their programme: where they are in it (what they still need, for someone who joined
    part way), and the handouts released to their sessions."""
    groups = TherapyGroup.objects.joined_by(request.user)
    return render(
        request,
        "participation/handouts.html",
        {
            "programmes": queries.progress_in(groups, request.user),
            "releases": handouts.released_to(request.user),
        },
    )


@roles_required(Role.FACILITATOR, Role.PARTICIPANT, hidden=True)
def handout_file(request, handout_id: int):
    handout = get_object_or_404(handouts.downloadable_by(request.user), pk=handout_id)
    audit.record(
        audit.Action.DOWNLOAD,
        handout,
        group_id=handout.session.group_id if handout.session_id else None,
        detail={"path": request.path},
    )
    response = FileResponse(
        handouts.opened(handout),
        as_attachment=True,
        filename=f"{slugify(handout.title) or 'handout'}.{handout.extension}",
        content_type=handout.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
