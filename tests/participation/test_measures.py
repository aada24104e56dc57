"""A member answers the group's questionnaires for a session on their own phone: one short
page, all or nothing, and after an answer about self-harm above 0 the crisis resources."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from measures import services
from measures.instruments import PHQ9
from measures.models import FollowUp, MeasureResponse
from measures.scoring import change, in_plain_words
from members.models import Organisation
from members.services import set_crisis_lines
from sessions.models import TakeHomeDone
from tests.measures.factories import answers_totalling
from tests.sessions.factories import GroupSessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def today(world):
    """A session starting now, in a group that asks PHQ-9 and GAD-7 before every session."""
    services.set_measure_plan(group=world.group, instruments=["phq9", "gad7"], schedule="every")
    return GroupSessionFactory(group=world.group, starts_at=timezone.now())


def all_answered(phq9=(1, 1, 1, 1, 1, 1, 1, 1, 0), gad7=(2,) * 7, **extra) -> dict:
    data = {f"phq9-{n}": str(a) for n, a in enumerate(phq9, start=1)}
    data |= {f"gad7-{n}": str(a) for n, a in enumerate(gad7, start=1)}
    return data | extra


def url(session, name="measure_check_in"):
    return reverse(name, args=[session.pk])


def test_the_page_asks_every_question_of_the_groups_questionnaires(personas, today):
    response = personas["participant"].get(url(today))
    assert response.status_code == 200
    page = response.content.decode()
    assert "16 short questions" in page
    assert "Over the last 2 weeks" in page
    assert "Thoughts that you would be better off dead" in page
    assert page.count('type="radio"') == 16 * 4 + 4  # and PHQ-9's difficulty question
    assert "PHQ-9" not in page  # no clinical names on a participant's page


def test_answers_in_the_room_are_saved_and_thanked(personas, today, participant):
    response = personas["participant"].post(url(today), all_answered(**{"phq9-difficulty": "1"}))
    assert response.status_code == 302 and response["Location"] == url(today, "measure_done")
    saved = {r.instrument: r for r in MeasureResponse.objects.filter(participant=participant)}
    assert (saved["phq9"].total, saved["phq9"].channel, saved["phq9"].session) == (8, "room", today)
    assert saved["phq9"].item_answers() == ([1] * 8 + [0], 1)
    assert (saved["gad7"].total, saved["gad7"].band) == (14, "moderate")
    done = personas["participant"].get(url(today, "measure_done")).content.decode()
    assert "Your answers are saved" in done and 'id="help-now"' not in done
    assert not FollowUp.objects.filter(response__isnull=False).exists()
    # Answered: the link now goes straight to the thanks.
    assert personas["participant"].get(url(today))["Location"] == url(today, "measure_done")


def test_from_the_home_page_the_answers_say_so(personas, today):
    personas["participant"].post(url(today), all_answered(via="home"))
    assert set(MeasureResponse.objects.values_list("channel", flat=True)) == {"home"}


def test_an_answer_about_self_harm_above_0_shows_the_crisis_resources(personas, today):
    set_crisis_lines(lines=[{"name": "Samaritans", "phone": "116 123"}])
    answers = all_answered(phq9=(0, 0, 0, 0, 0, 0, 0, 0, 1))
    done = personas["participant"].post(url(today), answers, follow=True).content.decode()
    assert "Your facilitator will be in touch with you soon" in done
    assert 'id="help-now"' in done
    assert '<a href="tel:116123" class="button-link">Call 116 123</a>' in done  # tap to call
    assert FollowUp.objects.get(response__isnull=False).response.instrument == "phq9"


def test_a_question_left_out_saves_nothing_and_is_pointed_out(personas, today):
    answers = all_answered()
    del answers["gad7-4"]
    response = personas["participant"].post(url(today), answers)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Please answer every question" in page
    assert 'id="gad7-4-missing"' in page and 'id="gad7-3-missing"' not in page
    assert 'name="phq9-1" value="1" checked' in page  # what they chose is kept
    assert not MeasureResponse.objects.exists()  # not even the complete PHQ-9


@pytest.mark.parametrize("bad", ["4", "-1", "٣", "", "x"])
def test_an_answer_that_is_not_one_of_the_choices_saves_nothing(personas, today, bad):
    response = personas["participant"].post(url(today), all_answered(**{"phq9-9": bad}))
    assert response.status_code == 400
    assert not MeasureResponse.objects.exists()


def test_a_session_long_past_is_closed(personas, world):
    services.set_measure_plan(group=world.group, instruments=["phq9"], schedule="every")
    response = personas["participant"].get(url(world.past))  # a week ago
    assert "This check-in is closed" in response.content.decode()
    response = personas["participant"].post(url(world.past), all_answered())
    assert "This check-in is closed" in response.content.decode()
    assert not MeasureResponse.objects.exists()


def test_a_session_asking_nothing_says_so(personas, world):
    response = personas["participant"].get(url(world.upcoming), follow=True)
    assert "There is no check-in for this session" in response.content.decode()


def test_no_one_else_answers_for_the_session(personas, today, world):
    assert personas["other_participant"].get(url(today)).status_code == 404
    assert personas["other_participant"].post(url(today), all_answered()).status_code == 404
    assert personas["other_participant"].get(url(today, "measure_done")).status_code == 404
    for staff in ("facilitator", "admin"):
        assert personas[staff].get(url(today)).status_code == 403
    assert personas["anonymous"].get(url(today)).status_code == 302
    assert not MeasureResponse.objects.exists()


def test_the_crisis_page_makes_numbers_in_its_text_tap_to_call(client):
    page = client.get(reverse("crisis_resources")).content.decode()
    assert '<a href="tel:999">999</a>' in page and '<a href="tel:911">911</a>' in page


def test_a_session_a_week_away_opens_four_days_before(personas, world):
    services.set_measure_plan(group=world.group, instruments=["gad7"], schedule="every")
    soon = GroupSessionFactory(group=world.group, starts_at=timezone.now() + timedelta(days=3))
    assert "1 of 7" in personas["participant"].get(url(soon)).content.decode()
    assert "closed" in personas["participant"].get(url(world.upcoming)).content.decode()


def test_the_home_page_says_there_is_a_short_check_in_until_it_is_done(personas, today):
    home = personas["participant"].get(reverse("home")).content.decode()
    assert "A short check-in for" in home
    assert f"{url(today)}?via=home" in home
    personas["participant"].post(url(today), all_answered(via="home"))
    assert "A short check-in for" not in personas["participant"].get(reverse("home")).text


def test_the_home_page_says_nothing_when_the_group_asks_no_questionnaires(personas, world):
    GroupSessionFactory(group=world.group, starts_at=timezone.now())
    assert "short check-in" not in personas["participant"].get(reverse("home")).text


def test_a_participant_reads_their_own_scores_in_plain_words(personas, world, participant):
    group = world.group
    services.set_measure_plan(group=group, instruments=["phq9"], schedule="every")
    for total in (16, 12, 9):
        services.record_answers(
            participant=participant,
            group=group,
            instrument=PHQ9,
            answers=answers_totalling(PHQ9, total),
            channel="home",
        )
    other = world.other_enrollment.participant
    services.record_answers(
        participant=other,
        group=world.other_group,
        instrument=PHQ9,
        answers=answers_totalling(PHQ9, 25),
        channel="home",
    )
    assert reverse("my_scores") in personas["participant"].get(reverse("home")).text
    page = personas["participant"].get(reverse("my_scores")).text
    assert "Your score went from 16 to 9: that is a real change." in page
    assert "Mood questions" in page and "PHQ" not in page
    assert "25 out of 27" not in page  # never anyone else's


def test_the_organisation_may_keep_scores_for_facilitators(personas, participant, world):
    Organisation.objects.update(participants_see_scores=False)
    assert reverse("my_scores") not in personas["participant"].get(reverse("home")).text
    page = personas["participant"].get(reverse("my_scores")).text
    assert "keeps check-in scores for your facilitator" in page


@pytest.mark.parametrize(
    "totals, words",
    [
        ([14], "Your first score on the mood questions: 14 out of 27."),
        ([8, 15], "Your score went from 8 to 15. That is a big change."),
        ([12, 10], "Scores go up and down from week to week"),
    ],
)
def test_plain_words_for_each_kind_of_change(totals, words):
    assert words in in_plain_words(change(PHQ9, totals))


def test_a_participant_says_they_did_the_take_home_and_the_board_shows_it(
    personas, world, participant
):
    world.past.take_home = "Write down three things that went well each day."
    world.past.save(update_fields=["take_home"])
    done = reverse("take_home_done", args=[world.past.pk])
    assert "I did this" in personas["participant"].get(reverse("home")).text
    personas["participant"].post(done, {"done": "yes"})
    assert "You did this. Well done." in personas["participant"].get(reverse("home")).text
    assert TakeHomeDone.objects.filter(session=world.past, participant=participant).exists()
    assert (
        "✓ take-home"
        in personas["facilitator"].get(reverse("group_outcomes", args=[world.group.pk])).text
    )
    personas["participant"].post(done, {"done": "no"})  # a correction
    assert not TakeHomeDone.objects.exists()


def test_only_members_say_so_and_only_for_a_take_home_that_exists(personas, world):
    done = reverse("take_home_done", args=[world.past.pk])
    personas["participant"].post(done, {"done": "yes"})  # the session set no take-home
    assert not TakeHomeDone.objects.exists()
    world.past.take_home = "Go for a walk."
    world.past.save(update_fields=["take_home"])
    assert personas["other_participant"].post(done, {"done": "yes"}).status_code == 404
    assert personas["facilitator"].post(done, {"done": "yes"}).status_code == 403
    assert not TakeHomeDone.objects.exists()
