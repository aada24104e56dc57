"""The outcome board shows the whole group at once (who is improving, who is not on track) and
a member's record shows each questionnaire's trend, in queries that do not grow with the data."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent
from measures import services
from measures.board import outcome_board
from measures.instruments import GAD7, PHQ9
from measures.models import FollowUp, MeasureResponse
from sessions.models import Attendance, GroupSession
from tests.measures.factories import answer
from tests.sessions.factories import AttendanceFactory, GroupSessionFactory
from tests.therapy_groups.factories import EnrollmentFactory, TherapyGroupFactory

pytestmark = pytest.mark.django_db


def held_sessions(group, count: int) -> list[GroupSession]:
    start = timezone.now() - timedelta(weeks=count)
    return [
        GroupSessionFactory(
            group=group, starts_at=start + timedelta(weeks=i), status=GroupSession.Status.HELD
        )
        for i in range(count)
    ]


def answered(person, group, session, instrument, total, risk=0):
    answer(person, group, instrument, total=total, risk=risk, session=session, at=session.starts_at)


def build(facilitator, members: int = 3, weeks: int = 4):
    """Improving, worsening and away: the first three members; the rest steady."""
    group = TherapyGroupFactory(facilitators=[facilitator], capacity=100)
    people = [EnrollmentFactory(group=group).participant for _ in range(members)]
    sessions = held_sessions(group, weeks)
    improving, worsening, away = people[:3]
    for i, session in enumerate(sessions):
        for person in people:
            absent = person == away and i >= weeks - 2
            AttendanceFactory(
                session=session,
                participant=person,
                status=Attendance.Status.ABSENT if absent else Attendance.Status.PRESENT,
            )
        answered(improving, group, session, PHQ9, [16, 14, 11, 9][i % 4])
        answered(worsening, group, session, PHQ9, [8, 10, 13, 15][i % 4])
        answered(worsening, group, session, GAD7, 9)
        for steady in people[3:]:
            answered(steady, group, session, PHQ9, 6)
    return group, people


def test_the_board_shows_who_improves_and_who_is_not_on_track(facilitator):
    group, (improving, worsening, away) = build(facilitator)
    board = outcome_board(group)
    assert [m.name for m in board.measures] == ["PHQ-9", "GAD-7"]
    rows = {row.participant.pk: row for row in board.rows}
    phq = dict((m.code, c) for m, c in rows[improving.pk].changes)["phq9"]
    assert (phq.baseline, phq.latest, phq.reliable) == (16, 9, "improvement")
    assert rows[improving.pk].off_track == []
    assert rows[worsening.pk].off_track == ["reliably worse"]
    assert rows[away.pk].off_track == ["missed the last two sessions"]
    first_cell = rows[improving.pk].cells[0]
    assert first_cell["attendance"] == "present"
    assert [(m.code, s.total if s else None) for m, s in first_cell["scores"]] == [
        ("phq9", 16),
        ("gad7", None),
    ]


def test_an_open_follow_up_puts_someone_off_track(facilitator):
    group, (improving, *_) = build(facilitator)
    answered(improving, group, held_sessions(group, 1)[0], PHQ9, 9, risk=1)
    row = next(r for r in outcome_board(group).rows if r.participant.pk == improving.pk)
    assert "open follow-up" in row.off_track


def test_the_board_page_is_for_the_groups_facilitators_and_is_audited(facilitator, personas, world):
    url = reverse("group_outcomes", args=[world.group.pk])
    response = personas["facilitator"].get(url)
    assert response.status_code == 200
    assert AuditEvent.objects.filter(action="view", object_type="therapy_groups.therapygroup")
    assert personas["other_facilitator"].get(url).status_code == 404
    for persona in ("participant", "admin"):
        assert personas[persona].get(url).status_code == 404


def test_the_board_page_names_each_score_and_marks_change(client, facilitator):
    group, _ = build(facilitator)
    client.force_login(facilitator)
    html = client.get(reverse("group_outcomes", args=[group.pk])).text
    assert "PHQ-9 16" in html and "16 → 9 (-7)" in html
    assert "▲ reliably better" in html and "▼ reliably worse" in html
    assert "Not on track:</strong> missed the last two sessions" in html


def test_the_board_keeps_its_query_count_at_ten_times_the_data(
    facilitator, client, django_assert_max_num_queries
):
    client.force_login(facilitator)
    counts = []
    for members, weeks in ((3, 4), (30, 12)):
        group, _ = build(facilitator, members=members, weeks=weeks)
        client.get(reverse("group_outcomes", args=[group.pk]))  # the session's activity, once
        with django_assert_max_num_queries(14) as captured:
            assert client.get(reverse("group_outcomes", args=[group.pk])).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_a_members_record_shows_each_trend_with_bands_and_item_9_each_time(facilitator, client):
    group, (improving, *_) = build(facilitator)
    answered(improving, group, held_sessions(group, 1)[0], PHQ9, 9, risk=1)
    client.force_login(facilitator)
    html = client.get(reverse("participant_record", args=[group.pk, improving.pk])).text
    assert html.count('class="band band-') == len(PHQ9.bands)
    # The chart is for the eye; a screen reader reads the same five scores as a table, and the
    # chart's axes carry the band edges and each point's date.
    table = html[html.index("PHQ-9 scores, oldest first") :].split("</table>")[0]
    assert table.count("<tr>") == 1 + 5 and "9 out of 27" in table
    assert all(f'class="tick" text-anchor="end">{edge}</text>' in html for edge in (0, 5, 10, 27))
    first = GroupSession.objects.filter(group=group).order_by("starts_at").first()
    assert f">{timezone.localtime(first.starts_at):%-d %b}</text>" in html
    assert 'class="marked"' in html  # the answer that opened a follow-up is ringed
    assert "Not at all (0)" in html and "<strong>Several days (1)</strong>" in html


def test_one_absence_is_not_two(facilitator):
    group, (improving, *_) = build(facilitator)
    last = GroupSession.objects.filter(group=group).order_by("starts_at").last()
    Attendance.objects.filter(session=last, participant=improving).update(
        status=Attendance.Status.ABSENT
    )
    row = next(r for r in outcome_board(group).rows if r.participant.pk == improving.pk)
    assert row.off_track == []


def test_a_members_record_is_not_there_for_other_roles(personas, world, participant):
    url = reverse("participant_record", args=[world.group.pk, participant.pk])
    for persona in ("admin", "participant", "other_participant"):
        assert personas[persona].get(url).status_code == 404  # not even a hint that it exists


def member_of_a_new_group(facilitator, weeks: int = 2):
    group = TherapyGroupFactory(facilitators=[facilitator], capacity=100)
    person = EnrollmentFactory(group=group, participant__first_name="Zed").participant
    sessions = held_sessions(group, weeks)
    for session in sessions:
        AttendanceFactory(session=session, participant=person)
    return group, person, sessions


def row_of(group, person):
    return next(r for r in outcome_board(group).rows if r.participant.pk == person.pk)


def test_a_score_for_a_session_still_to_come_sits_in_its_column_and_counts(facilitator):
    """The finding: 4, then 14 with item 9 above 0, answered from home before the next session
    (scheduled, no attendance yet). It showed "On track? Yes" and "14 → 14"."""
    group, person, (first, _) = member_of_a_new_group(facilitator)
    answered(person, group, first, PHQ9, 4)
    coming = GroupSessionFactory(group=group, starts_at=timezone.now() + timedelta(days=2))
    answer(person, group, PHQ9, total=14, risk=1, session=coming)  # arrives now, before it
    board = outcome_board(group)
    assert board.sessions[-1] == coming
    row = next(r for r in board.rows if r.participant.pk == person.pk)
    assert [(m.code, s.total) for m, s in row.cells[-1]["scores"] if s] == [("phq9", 14)]
    phq = dict((m.code, c) for m, c in row.changes)["phq9"]
    assert (phq.baseline, phq.latest) == (4, 14)
    assert row.off_track == ["safety flag in the last 4 weeks", "open follow-up", "reliably worse"]


def test_change_runs_in_session_order_whatever_order_the_answers_arrive_in(facilitator):
    group, person, (first, second) = member_of_a_new_group(facilitator)
    answered(person, group, second, PHQ9, 15)
    late = answer(person, group, PHQ9, total=8, session=first)  # week one's link, answered last
    assert late.completed_at > second.starts_at
    phq = dict((m.code, c) for m, c in row_of(group, person).changes)["phq9"]
    assert (phq.baseline, phq.latest, phq.reliable) == (8, 15, "deterioration")


def test_reliably_worse_than_the_best_so_far_is_not_on_track(facilitator):
    group, person, sessions = member_of_a_new_group(facilitator, weeks=3)
    for session, total in zip(sessions, [12, 4, 10], strict=True):
        answered(person, group, session, PHQ9, total)
    row = row_of(group, person)
    phq = dict((m.code, c) for m, c in row.changes)["phq9"]
    assert phq.reliable is None  # 12 to 10: not worse than the first
    assert row.off_track == ["reliably worse"]  # but 6 above the lowest, 4


def test_a_safety_answer_flags_the_row_for_four_weeks_after_its_follow_up_closed(facilitator):
    group, person, (first, _) = member_of_a_new_group(facilitator)
    answered(person, group, first, PHQ9, 5, risk=1)
    services.close_follow_up(
        follow_up=FollowUp.objects.get(participant=person),
        by=facilitator,
        contact="phone",
        actions=["safety_plan"],
        outcome="Safe; seeing their GP.",
    )
    assert row_of(group, person).off_track == ["safety flag in the last 4 weeks"]
    MeasureResponse.objects.filter(participant=person).update(
        completed_at=timezone.now() - timedelta(days=29)
    )
    assert row_of(group, person).off_track == []


def test_who_is_not_on_track_comes_first_most_urgent_first(facilitator, client):
    group, (improving, worsening, away) = build(facilitator)
    answered(improving, group, GroupSessionFactory(group=group), PHQ9, 9, risk=1)
    board = outcome_board(group)
    order = [row.participant.pk for row in board.rows]
    assert order[:3] == [improving.pk, worsening.pk, away.pk]
    assert all(not row.off_track for row in board.rows[3:])
    client.force_login(facilitator)
    html = client.get(reverse("group_outcomes", args=[group.pk])).text
    assert "⚑</span> <strong>Not on track:</strong> safety flag in the last 4 weeks" in html
    board_html = html[html.index('<table class="board">') :]
    assert "self-harm" not in board_html and "question 9" not in board_html.lower()
