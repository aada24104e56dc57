"""A participant sets a goal and checks in twice; an admin manages therapists."""

from itertools import pairwise
from urllib.parse import urlsplit

from django.urls import reverse

from members.models import Invitation, Role
from tests.e2e.test_facilitator_week import sign_in
from tests.members.factories import PASSWORD, UserFactory
from tests.sessions.test_outbox import prompt_link
from tests.therapy_groups.factories import EnrollmentFactory, TherapyGroupFactory
from therapy_groups.models import Goal


def test_participant_accepts_the_agreement_sets_a_goal_and_checks_in_twice(page, live_server):
    participant = UserFactory(first_name="Pip", agreed=False)
    group = TherapyGroupFactory(
        facilitators=[UserFactory(role="facilitator")], display_name="Tuesday group"
    )
    EnrollmentFactory(group=group, participant=participant)
    browser = page.page
    page.goto(live_server.url + reverse("account_login"))
    browser.get_by_label("Email:").fill(participant.email)
    browser.get_by_label("Password:").fill(PASSWORD)
    browser.get_by_role("button", name="Sign in").click()
    page.check()
    assert "Before you join: the group agreement" in browser.content()
    browser.get_by_role("button", name="I agree").click()
    page.check()
    assert browser.get_by_role("heading", level=1).inner_text() == "Hello, Pip"

    browser.get_by_role("link", name="Set a goal").click()
    page.check()
    browser.get_by_label("What you want to do").fill("Walk outside three times a week")
    browser.get_by_role("button", name="Save goal").click()
    page.check()

    for progress, note in (("3", "Twice this week"), ("6", "")):
        browser.get_by_label("A note (optional)").fill(note)
        browser.get_by_role("button", name=progress, exact=True).click()
        browser.get_by_text("Check-in saved").wait_for()
    page.check()
    chart = browser.locator("#progress svg.chart")
    assert chart.count() == 1
    assert "from 3 to 6 out of 10" in chart.inner_html()
    goal = Goal.objects.get(participant=participant)
    assert list(goal.check_ins.values_list("progress", "note")) == [(3, "Twice this week"), (6, "")]


def test_admin_invites_a_therapist_and_deactivates_another(page, live_server):
    admin = UserFactory(role=Role.ADMIN, first_name="Ada")
    leaving = UserFactory(role=Role.FACILITATOR, first_name="Lou", last_name="Leaving")
    sign_in(page, live_server, admin)
    browser = page.page
    browser.get_by_role("link", name="Therapists").first.click()
    page.check()
    browser.get_by_label("Invite a therapist by email").fill("new.therapist@example.org")
    browser.get_by_role("button", name="Send invitation").click()
    page.check()
    assert "Invitation sent to new.therapist@example.org" in browser.content()
    assert Invitation.objects.get(email="new.therapist@example.org").role == Role.FACILITATOR

    browser.get_by_role("button", name="Deactivate Lou").click()
    page.check()  # the review step: what happens, and one button that does it
    assert "is signed out everywhere at once" in browser.content()
    leaving.refresh_from_db()
    assert leaving.is_active is True
    browser.get_by_role("button", name="Deactivate Lou").click()
    page.check()
    assert "can no longer sign in" in browser.content()
    leaving.refresh_from_db()
    assert leaving.is_active is False
    assert browser.get_by_role("button", name="Reactivate Lou").count() == 1


def test_the_emailed_goal_check_in_has_large_targets_around_their_own_circles(page, live_server):
    group = TherapyGroupFactory(facilitators=[UserFactory(role="facilitator")])
    _, _, link = prompt_link(group)
    browser = page.page
    browser.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + urlsplit(link).path)
    choices = browser.locator("label.scale-choice")
    assert choices.count() == 11
    boxes = [choices.nth(i).bounding_box() for i in range(11)]
    for i, box in enumerate(boxes):
        assert box["width"] >= 44 and box["height"] >= 44  # a thumb's target
        circle = choices.nth(i).locator("input").bounding_box()
        assert box["x"] <= circle["x"] and circle["x"] + circle["width"] <= box["x"] + box["width"]
    for a, b in pairwise(boxes):  # no two targets overlap
        assert a["x"] + a["width"] <= b["x"] or a["y"] + a["height"] <= b["y"]
    choices.nth(6).click()
    browser.get_by_role("button", name="Save my check-in").click()
    page.check()
    assert "Your check-in is saved" in browser.content()
