"""Short questionnaires a participant answers for a session: in the room, from the short link
or QR code the facilitator shows, or from their home page. One short page; no JavaScript."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render

from core.validators import whole_number
from measures import queries, services
from measures.instruments import INSTRUMENTS, Instrument
from measures.models import Channel, FollowUp, MeasureResponse
from measures.scoring import change, in_plain_words
from members.access import participant_page
from members.models import Organisation
from sessions.models import GroupSession


def _session(request, session_id: int) -> GroupSession:
    return get_object_or_404(
        GroupSession.objects.for_participant(request.user).select_related("group"), pk=session_id
    )


def _chosen(data, measure: Instrument) -> tuple[list[int | None], int | None]:
    top = len(measure.options) - 1
    items = [
        whole_number(data.get(f"{measure.code}-{n}", ""), low=0, high=top)
        for n in range(1, len(measure.items) + 1)
    ]
    difficulty = None
    if measure.difficulty:
        last = len(measure.difficulty_options) - 1
        difficulty = whole_number(data.get(f"{measure.code}-difficulty", ""), low=0, high=last)
    return items, difficulty


def _questionnaires(due: list[Instrument], chosen: dict, checked: bool) -> list[dict]:
    """What the page shows: each questionnaire's items, numbered across the page."""
    position, shown = 0, []
    for measure in due:
        items, difficulty = chosen.get(measure.code, ([None] * len(measure.items), None))
        rows = []
        for n, (text, answer) in enumerate(zip(measure.items, items, strict=True), start=1):
            position += 1
            rows.append(
                {
                    "name": f"{measure.code}-{n}",
                    "text": text,
                    "position": position,
                    "chosen": answer,
                    "missing": checked and answer is None,
                }
            )
        shown.append(
            {
                "code": measure.code,
                "frame": measure.frame,
                "options": list(enumerate(measure.options)),
                "items": rows,
                "difficulty": measure.difficulty,
                "difficulty_options": list(enumerate(measure.difficulty_options)),
                "difficulty_chosen": difficulty,
            }
        )
    return shown


@participant_page
def measure_check_in(request, session_id: int):
    session = _session(request, session_id)
    due = queries.unanswered(session, request.user)
    if not due:
        return redirect("measure_done", session_id=session.pk)
    if not queries.is_open(session):
        return render(request, "participation/measure_closed.html", {"session": session})
    asked = request.POST if request.method == "POST" else request.GET
    via = Channel.HOME if asked.get("via") == "home" else Channel.ROOM
    chosen, error = {}, ""
    if request.method == "POST":
        chosen = {measure.code: _chosen(request.POST, measure) for measure in due}
        try:
            with transaction.atomic():  # all of the page's questionnaires, or none
                for measure in due:
                    items, difficulty = chosen[measure.code]
                    services.record_answers(
                        participant=request.user,
                        group=session.group,
                        instrument=measure,
                        answers=items,
                        difficulty=difficulty,
                        session=session,
                        channel=via,
                    )
        except ValidationError as refused:
            error = refused.messages[0]
        else:
            return redirect("measure_done", session_id=session.pk)
    questionnaires = _questionnaires(due, chosen, checked=bool(error))
    return render(
        request,
        "participation/measure_form.html",
        {
            "session": session,
            "questionnaires": questionnaires,
            "count": sum(len(q["items"]) for q in questionnaires),
            "via": via,
            "error": error,
        },
        status=400 if error else 200,
    )


@participant_page
def measure_done(request, session_id: int):
    """After answering: thanks, and, after an answer about self-harm above 0, the crisis
    resources and a promise that their facilitator will be in touch."""
    session = _session(request, session_id)
    answered = MeasureResponse.objects.filter(session=session, participant=request.user)
    risk = FollowUp.objects.filter(response__in=answered).exists()
    return render(
        request,
        "participation/measure_done.html",
        {
            "session": session,
            "answered": answered.exists(),
            "risk": risk,
            "organisation": Organisation.current(),
        },
    )


@participant_page
def my_scores(request):
    """The participant's own questionnaire scores over time, in plain words, if the
    organisation shows them (it may keep them for the facilitators alone)."""
    organisation = Organisation.current()
    progress = []
    if organisation.participants_see_scores:
        responses = (
            MeasureResponse.objects.of(request.user)
            .select_related("group")
            .order_by("group__name", "completed_at", "pk")
        )
        series: dict = {}
        for response in responses:
            series.setdefault((response.group, response.instrument), []).append(response)
        for (group, code), answered in series.items():
            measure = INSTRUMENTS[code]
            trend = change(measure, [r.total for r in answered])
            progress.append(
                {
                    "group": group,
                    "measure": measure,
                    "words": in_plain_words(trend),
                    "all": answered,
                }
            )
    return render(
        request,
        "participation/my_scores.html",
        {"organisation": organisation, "progress": progress},
    )
