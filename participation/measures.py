"""Short questionnaires a participant answers for a session: in the room, from the short link
or QR code the facilitator shows, from their home page, or from the emailed link without
signing in. One short page; no JavaScript. And their own scores, in plain words."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.views.decorators.cache import never_cache

from core.outbox import links
from core.validators import whole_number
from measures import queries, requests, services
from measures.instruments import INSTRUMENTS, Instrument
from measures.models import Channel, FollowUp, MeasureResponse
from measures.scoring import change, in_plain_words
from members.access import participant_page, public
from members.models import Organisation
from sessions.models import GroupSession


def _session(request, session_id: int) -> GroupSession:
    return get_object_or_404(
        GroupSession.objects.for_participant(request.user).select_related("group"), pk=session_id
    )


def chosen_answers(data, measure: Instrument) -> tuple[list[int | None], int | None]:
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


def shown_questionnaires(due: list[Instrument], chosen: dict, checked: bool) -> list[dict]:
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
                "language": measure.language_shown(translation.get_language()),
                "foreign": measure.language_shown(translation.get_language())
                != translation.get_language().split("-")[0],
                "frame": measure.frame,
                "options": list(enumerate(measure.options)),
                "items": rows,
                "difficulty": measure.difficulty,
                "difficulty_options": list(enumerate(measure.difficulty_options)),
                "difficulty_chosen": difficulty,
            }
        )
    return shown


def _record(request, session: GroupSession, person, due, channel) -> tuple[str, dict]:
    """Keep the page's answers, all of its questionnaires or none. Returns the refusal ("" when
    kept) and what was chosen, to show again."""
    chosen = {measure.code: chosen_answers(request.POST, measure) for measure in due}
    try:
        with transaction.atomic():
            for measure in due:
                items, difficulty = chosen[measure.code]
                services.record_answers(
                    participant=person,
                    group=session.group,
                    instrument=measure,
                    answers=items,
                    difficulty=difficulty,
                    session=session,
                    channel=channel,
                    language=measure.language_shown(translation.get_language()),
                )
    except ValidationError as refused:
        return refused.messages[0], chosen
    return "", chosen


def _form(request, session, due, *, chosen=None, error="", via=""):
    questionnaires = shown_questionnaires(due, chosen or {}, checked=bool(error))
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


def _done(request, session, person, *, echo: bool = True):
    """Thanks, and, after an answer about self-harm above 0, the crisis resources and a promise
    that their facilitator will be in touch. `echo=False` (a link's page, which holds no sign-in)
    never restates what was answered."""
    answered = MeasureResponse.objects.filter(session=session, participant=person)
    return render(
        request,
        "participation/measure_done.html",
        {
            "session": session,
            "answered": answered.exists(),
            "risk": FollowUp.objects.filter(response__in=answered).exists(),
            "echo": echo,
            "organisation": Organisation.current(),
        },
    )


@participant_page
def measure_check_in(request, session_id: int):
    session = _session(request, session_id)
    due = queries.unanswered(session, request.user)
    if not due:
        return redirect("measure_done", session_id=session.pk)
    if queries.withdrawn(session, request.user):
        return _link_problem(request, "withdrawn", 200, session=session)
    if not queries.is_open(session):
        return render(request, "participation/measure_closed.html", {"session": session})
    asked = request.POST if request.method == "POST" else request.GET
    via = Channel.HOME if asked.get("via") == "home" else Channel.ROOM
    if request.method == "POST":
        error, chosen = _record(request, session, request.user, due, via)
        if not error:
            return redirect("measure_done", session_id=session.pk)
        return _form(request, session, due, chosen=chosen, error=error, via=via)
    return _form(request, session, due, via=via)


@participant_page
def measure_done(request, session_id: int):
    return _done(request, _session(request, session_id), request.user)


@participant_page
def my_scores(request):
    """The participant's own questionnaire scores over time, in plain words, if the
    organisation shows them (it may keep them for the facilitators alone)."""
    organisation = Organisation.current()
    progress = []
    if organisation.participants_see_scores:
        # Their groups' scores (a screening's answers, before any group, are the clinic's).
        responses = (
            MeasureResponse.objects.of(request.user)
            .filter(group__isnull=False)
            .select_related("group")
        )
        series: dict = {}
        for response in sorted(responses.in_session_order(), key=lambda r: r.group.name):
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


def _link_problem(request, problem: str, status: int, session: GroupSession | None = None):
    return render(
        request,
        "participation/measure_link_problem.html",
        {"problem": problem, "session": session},
        status=status,
    )


@public
@never_cache
def measure_link(request, token: str):
    """The emailed link: answer this session's questionnaires without signing in. Signed, for
    its recipient only, four days, once; only this session's questionnaires. Whoever holds it
    sees no answer: once the check-in is answered, by any path, it says only that it is done."""
    try:
        row = requests.open_link(token)
    except links.LinkProblem as refused:
        return _link_problem(request, refused.problem, refused.status)
    person = row.recipient
    session = (
        GroupSession.objects.for_participant(person)
        .select_related("group")
        .filter(pk=row.subject_id)
        .first()
    )
    if session is None:
        return _link_problem(request, "broken", 400)
    due = queries.unanswered(session, person)
    if not due:  # answered at home or in the room
        return _link_problem(request, "done", 200)
    if queries.withdrawn(session, person):  # "I can't make it": back if they can after all
        return _link_problem(request, "withdrawn", 200, session=session)
    if not queries.is_open(session):
        return render(request, "participation/measure_closed.html", {"session": session})
    if request.method != "POST":
        return _form(request, session, due)
    with transaction.atomic():
        if not links.use_link(row):  # usable once: a second tap at the same time keeps nothing
            return _link_problem(request, "used", 410)
        error, chosen = _record(request, session, person, due, Channel.LINK)
        if error:
            transaction.set_rollback(True)  # the link stays usable for a complete answer
    if error:
        return _form(request, session, due, chosen=chosen, error=error)
    # This response goes only to whoever just answered; the link is now used.
    return _done(request, session, person, echo=False)
