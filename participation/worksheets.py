"""A member's worksheet for a session's take-home practice, on their phone: it saves itself a
moment after they stop typing (htmx), or with its button; it says who will read it."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from members.access import participant_page, roles_required
from members.models import Role
from programmes import worksheets
from programmes.models import Worksheet
from sessions.models import GroupSession


@roles_required(Role.PARTICIPANT)
@participant_page
def worksheet(request, session_id: int):
    session = get_object_or_404(
        GroupSession.objects.for_participant(request.user).select_related("group"), pk=session_id
    )
    kind = worksheets.set_by(session)
    if kind is None:
        raise Http404
    saved = Worksheet.objects.filter(session=session, participant=request.user).first()
    error = None
    if request.method == "POST":
        try:
            rows = worksheets.read_rows(kind, request.POST)
        except ValidationError as refused:
            error = " ".join(refused.messages)
        else:
            saved = worksheets.save_worksheet(
                session=session, participant=request.user, kind=kind, rows=rows
            )
            if not request.headers.get("HX-Request"):
                messages.success(request, _("Saved. Your facilitators will read it."))
                return redirect("worksheet", session_id=session.pk)
        if request.headers.get("HX-Request"):
            return render(
                request,
                "participation/worksheet.html#save_status",
                {"saved": saved, "error": error},
                status=200,
            )
    language = get_language()
    fields = [
        {**field, "label": worksheets.text_in(field["labels"], language)} for field in kind.fields
    ]
    return render(
        request,
        "participation/worksheet.html",
        {
            "session": session,
            "kind": kind,
            "title": kind.title(language),
            "intro": worksheets.text_in(kind.intros, language),
            "row_label": worksheets.text_in(kind.row_labels, language),
            "rows": [
                [
                    {
                        **field,
                        "value": row.get(field["name"], ""),
                        "scale": range(field.get("min", 0), field.get("max", 10) + 1),
                    }
                    for field in fields
                ]
                for row in worksheets.shown_rows(saved, kind)
            ],
            "saved": saved,
            "error": error,
            "facilitators": [
                person.get_full_name() or person.first_name
                for person in session.group.facilitators.order_by("first_name")
            ],
            "now": timezone.now(),
        },
        status=400 if error else 200,
    )
