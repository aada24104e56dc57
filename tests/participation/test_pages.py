"""The participant side: agreement, home, "I can't make it", goals and check-ins, privacy."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from members.models import ConfidentialityAgreement, Organisation
from members.services import publish_agreement
from sessions.models import Attendance, GroupNote
from tests.members.factories import UserFactory
from tests.sessions.factories import GroupSessionFactory
from tests.therapy_groups.factories import EnrollmentFactory, TherapyGroupFactory
from therapy_groups import services
from therapy_groups.models import Goal, GoalCheckIn

pytestmark = pytest.mark.django_db


@pytest.fixture
def group(facilitator, participant):
    group = TherapyGroupFactory(facilitators=[facilitator], display_name="Tuesday group")
    EnrollmentFactory(group=group, participant=participant)
    return group


@pytest.fixture
def member_client(participant):
    member = Client()
    member.force_login(participant)
    return member


def test_a_new_participant_accepts_the_agreement_before_seeing_the_group(client, group):
    newcomer = UserFactory(agreed=False)
    EnrollmentFactory(group=group, participant=newcomer)
    client.force_login(newcomer)
    assert client.get(reverse("home"))["Location"] == reverse("agreement")
    assert client.get(reverse("goal_new"))["Location"].startswith(reverse("agreement"))
    page = client.get(reverse("agreement")).text
    assert "What is said in the group stays in the group" in page
    client.post(reverse("agreement"), {"next": reverse("home")})
    acceptance = newcomer.agreement_acceptances.get()
    assert acceptance.agreement == ConfidentialityAgreement.current() and acceptance.accepted_at
    assert client.get(reverse("home")).status_code == 200


def test_a_new_agreement_version_asks_again(member_client, participant, admin_user):
    assert member_client.get(reverse("home")).status_code == 200  # accepted: remembered
    publish_agreement(text="A new agreement text.", by=admin_user)
    assert ConfidentialityAgreement.current().version == 2
    response = member_client.get(reverse("home"))
    assert response["Location"] == reverse("agreement")
    assert "The group agreement has changed" in member_client.get(reverse("agreement")).text
    # The same text again is no new version.
    assert publish_agreement(text="A new agreement text.\r\n", by=admin_user) is None
    assert ConfidentialityAgreement.current().version == 2


def test_home_shows_the_next_session_first_in_the_persons_own_zone(
    member_client, participant, group
):
    participant.timezone = "America/New_York"
    participant.save()
    GroupSessionFactory(
        group=group, starts_at=timezone.now() + timedelta(days=2), topic="Sleep", location="Room 2"
    )
    cancelled = GroupSessionFactory(
        group=group,
        starts_at=timezone.now() + timedelta(days=9),
        status="cancelled",
        cancel_reason="Fay is unwell",
        members_message="Back next week",
    )
    page = member_client.get(reverse("home")).text
    next_section = page.index("Your next session")
    assert page.index("(America/New_York)") > next_section
    assert "Sleep" in page and "Room 2" in page
    assert "Cancelled:" in page and "Back next week" in page and "unwell" not in page
    assert page.index("Your next session") < page.index("Schedule") < page.index("Your goals")
    assert cancelled.pk


def test_take_home_assignment_appears_after_the_session(member_client, group):
    GroupSessionFactory(
        group=group,
        starts_at=timezone.now() - timedelta(days=2),
        status="held",
        topic="Activity",
        take_home="Plan one pleasant thing",
    )
    assert (
        "To try before next time: Plan one pleasant thing"
        in member_client.get(reverse("home")).text
    )


def test_cant_make_it_is_pre_filled_as_excused_for_the_facilitator(
    client, member_client, participant, facilitator, group
):
    session = GroupSessionFactory(group=group, starts_at=timezone.now() + timedelta(days=1))
    response = member_client.post(
        reverse("cant_make_it", args=[session.pk]), {"reason": "Hospital visit"}, follow=True
    )
    assert "We'll miss you" in response.text
    attendance = Attendance.objects.get(session=session, participant=participant)
    assert attendance.status == "excused" and attendance.comment == "Hospital visit"
    client.force_login(facilitator)
    assert (
        "can't make it: “Hospital visit”"
        in client.get(reverse("session_detail", args=[session.pk])).text
    )
    member_client.post(reverse("can_come_after_all", args=[session.pk]))
    assert not Attendance.objects.filter(session=session).exists()


def test_the_schedule_marks_each_session_the_person_said_they_cant_make(
    member_client, participant, group
):
    soon, later = (
        GroupSessionFactory(group=group, starts_at=timezone.now() + timedelta(days=d))
        for d in (1, 8)
    )
    member_client.post(reverse("cant_make_it", args=[later.pk]), {"reason": "Away"})
    page = member_client.get(reverse("home")).text
    assert page.count("you can't make it") == 1
    assert reverse("cant_make_it", args=[soon.pk]) in page
    assert reverse("cant_make_it", args=[later.pk]) not in page


def test_only_the_persons_own_notice_reads_as_theirs_on_the_schedule(
    member_client, participant, facilitator, group
):
    """An absence the facilitator recorded is not "You've told us you can't make it"."""
    soon, later = (
        GroupSessionFactory(group=group, starts_at=timezone.now() + timedelta(days=d))
        for d in (1, 8)
    )
    for session in (soon, later):
        Attendance.objects.create(
            session=session, participant=participant, status="excused", marked_by=facilitator
        )
    page = member_client.get(reverse("home")).text
    assert "You've told us you can't make it" not in page
    assert "you can't make it" not in page
    assert reverse("cant_make_it", args=[later.pk]) in page


def test_goal_is_set_checked_in_twice_and_charted(member_client, participant, group):
    member_client.post(
        reverse("goal_new"), {"what": "Walk outside three times a week", "why": "Fresh air helps"}
    )
    goal = Goal.objects.get(participant=participant)
    for progress in (3, 6):
        response = member_client.post(
            reverse("goal_check_in", args=[goal.pk]),
            {"progress": progress, "note": "A bit better"},
            HTTP_HX_REQUEST="true",
        )
        assert response.status_code == 200 and response.text.lstrip().startswith(
            '<section id="progress"'
        )
    assert "call your local emergency number" in response.text  # crisis text after a check-in
    assert list(goal.check_ins.values_list("progress", flat=True)) == [3, 6]
    page = member_client.get(reverse("goal_detail", args=[goal.pk])).text
    assert "<svg" in page and "from 3 to 6 out of 10" in page
    assert "<script" not in page.split("<main")[1]
    assert page.count(": 6 out of 10. A bit better</li>") == 1  # newest first, note opened
    assert page.index(": 6 out of 10") < page.index(": 3 out of 10")
    assert "Working on it" in page and "Fresh air helps" in page
    check_in = reverse("goal_check_in", args=[goal.pk])
    assert check_in in page
    services.set_goal_status(goal=goal, status=Goal.Status.ACHIEVED)
    page = member_client.get(reverse("goal_detail", args=[goal.pk])).text
    assert check_in not in page and "Achieved" in page  # a finished goal takes no check-ins


def test_check_in_rejects_numbers_outside_0_to_10_with_a_message(member_client, participant, group):
    goal = services.create_goal(participant=participant, group=group, what="Sleep by 11")
    response = member_client.post(
        reverse("goal_check_in", args=[goal.pk]), {"progress": 11}, follow=True
    )
    assert "Choose a number from 0 to 10" in response.text
    assert not GoalCheckIn.objects.exists()


def test_goal_status_changes_and_a_paused_goal_can_still_take_check_ins(participant, group):
    goal = services.create_goal(participant=participant, group=group, what="Call a friend")
    services.set_goal_status(goal=goal, status=Goal.Status.PAUSED)
    services.check_in(goal=goal, progress=2)
    services.set_goal_status(goal=goal, status=Goal.Status.ACHIEVED)
    with pytest.raises(Exception, match="working on"):
        services.check_in(goal=goal, progress=5)


def test_facilitator_suggests_a_goal_and_the_participant_may_decline(
    client, member_client, participant, facilitator, group
):
    client.force_login(facilitator)
    client.post(reverse("goal_suggest", args=[group.pk, participant.pk]), {"what": "Try the diary"})
    goal = Goal.objects.get(participant=participant)
    assert goal.status == Goal.Status.SUGGESTED and goal.suggested_by == facilitator
    assert "suggested by your facilitator" in member_client.get(reverse("home")).text
    asked = member_client.post(reverse("goal_status", args=[goal.pk]), {"accept": "no"}).text
    assert "Say no to this goal?" in asked
    goal.refresh_from_db()
    assert goal.status == Goal.Status.SUGGESTED
    member_client.post(reverse("goal_status", args=[goal.pk]), {"accept": "no", "confirmed": "yes"})
    goal.refresh_from_db()
    assert goal.status == Goal.Status.DECLINED


def test_facilitator_comments_and_the_participant_sees_it(
    client, member_client, participant, facilitator, group
):
    goal = services.create_goal(participant=participant, group=group, what="Walk daily")
    client.force_login(facilitator)
    client.post(reverse("goal_comment", args=[goal.pk]), {"text": "Lovely progress"})
    assert "Lovely progress" in member_client.get(reverse("goal_detail", args=[goal.pk])).text


def test_only_shared_goals_reach_fellow_members_and_only_with_a_first_name(
    client, participant, group
):
    fellow = UserFactory(first_name="Quinn", last_name="Surname-Hidden", display_name="")
    EnrollmentFactory(group=group, participant=fellow)
    shared = services.create_goal(participant=fellow, group=group, what="Cook a meal", shared=True)
    services.check_in(goal=shared, progress=7)
    services.create_goal(participant=fellow, group=group, what="Private plan about my family")
    client.force_login(participant)
    page = client.get(reverse("home")).text
    assert "Quinn: Cook a meal (7 out of 10)" in page
    assert "Private plan about my family" not in page
    assert "Surname-Hidden" not in page and fellow.email not in page
    assert client.get(reverse("goal_detail", args=[shared.pk])).status_code == 404


def test_participants_never_see_notes_or_others_attendance(member_client, participant, group):
    other = EnrollmentFactory(group=group).participant
    session = GroupSessionFactory(
        group=group, starts_at=timezone.now() - timedelta(days=1), status="held"
    )
    Attendance.objects.create(session=session, participant=other, status="absent")
    GroupNote.objects.create(session=session, free_text="Clinical content here", format="free")
    page = member_client.get(reverse("home")).text
    assert "Clinical content here" not in page and "absent" not in page.lower()
    assert member_client.get(reverse("session_detail", args=[session.pk])).status_code == 403


def test_a_goal_cannot_be_set_in_someone_elses_group(member_client, participant, group):
    other_group = TherapyGroupFactory()
    for asked in (str(other_group.pk), "not-a-number", "9" * 30):
        response = member_client.post(
            reverse("goal_new"), {"what": f"Goal {asked[:5]}", "group": asked}
        )
        assert response.status_code == 302
    assert set(Goal.objects.values_list("group_id", flat=True)) == {group.pk}


def test_letting_go_of_a_goal_asks_once(member_client, participant, group):
    goal = services.create_goal(participant=participant, group=group, what="Walk daily")
    asked = member_client.post(reverse("goal_status", args=[goal.pk]), {"status": "dropped"})
    assert "Let go of this goal?" in asked.text and "pick it up again later" in asked.text
    goal.refresh_from_db()
    assert goal.status == Goal.Status.ACTIVE
    member_client.post(
        reverse("goal_status", args=[goal.pk]), {"status": "dropped", "confirmed": "yes"}
    )
    goal.refresh_from_db()
    assert goal.status == Goal.Status.DROPPED
    member_client.post(reverse("goal_status", args=[goal.pk]), {"status": "active"})  # no ask
    goal.refresh_from_db()
    assert goal.status == Goal.Status.ACTIVE


def test_home_shows_the_facilitators_latest_word_on_each_goal(
    member_client, participant, other_participant, facilitator, group
):
    mine = services.create_goal(participant=participant, group=group, what="Walk daily")
    EnrollmentFactory(group=group, participant=other_participant)
    theirs = services.create_goal(participant=other_participant, group=group, what="Read")
    services.comment_on_goal(goal=mine, author=facilitator, text="Good start")
    services.comment_on_goal(goal=mine, author=facilitator, text="Lovely progress this week")
    services.comment_on_goal(goal=theirs, author=facilitator, text="Not for Pia")
    page = member_client.get(reverse("home")).text
    assert "Lovely progress this week" in page and "Good start" not in page
    assert "Not for Pia" not in page


def test_preferences_say_what_the_usual_reminder_times_are(member_client):
    Organisation.objects.filter(pk=1).update(
        default_reminder_hours=[2, 24], allowed_reminder_hours=[2, 24, 48]
    )
    page = member_client.get(reverse("preferences")).text
    assert "Leave all unticked for the usual times: 1 day before and 2 hours before" in page


def test_the_calendar_page_offers_a_one_tap_subscription(member_client):
    member_client.post(reverse("calendar_settings"))
    page = member_client.get(reverse("calendar_settings")).text
    assert 'href="webcal://testserver/calendar/' in page and "data-copy=" in page
