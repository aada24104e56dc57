"""On a 390 px phone a participant answers PHQ-9 in the room with question 9 above 0 and sees
the crisis resources; a facilitator sees the banner, acknowledges and closes the follow-up."""

from django.urls import reverse
from django.utils import timezone

from measures import services
from measures.models import FollowUp
from members.services import set_crisis_lines
from tests.e2e.conftest import CheckedPage
from tests.e2e.test_facilitator_week import sign_in
from tests.members.factories import PASSWORD, UserFactory
from tests.sessions.factories import GroupSessionFactory
from tests.therapy_groups.factories import EnrollmentFactory, TherapyGroupFactory


def test_an_answer_about_self_harm_reaches_a_facilitator_who_closes_the_loop(
    page, browser, live_server
):
    facilitator = UserFactory(role="facilitator", first_name="Fay", last_name="Field")
    participant = UserFactory(first_name="Pip", last_name="Moss")
    group = TherapyGroupFactory(
        facilitators=[facilitator], name="Tuesday mood group", display_name="Tuesday group"
    )
    EnrollmentFactory(group=group, participant=participant)
    set_crisis_lines(lines=[{"name": "Samaritans", "phone": "116 123", "hours": "24 hours"}])
    services.set_measure_plan(group=group, instruments=["phq9"], schedule="every")
    session = GroupSessionFactory(group=group, starts_at=timezone.now())

    phone = page.page
    phone.set_viewport_size({"width": 390, "height": 844})
    phone.goto(live_server.url + reverse("measure_check_in", args=[session.pk]))
    phone.get_by_label("Email:").fill(participant.email)
    phone.get_by_label("Password:").fill(PASSWORD)
    phone.get_by_role("button", name="Sign in").click()
    page.check()
    assert phone.get_by_role("heading", level=1).inner_text() == "A short check-in"
    questions = phone.locator("fieldset.choice-question")
    for index in range(8):
        questions.nth(index).get_by_label("Not at all").check()
    questions.nth(8).get_by_label("Several days").check()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.get_by_role("button", name="Send my answers").click()
    page.check()
    assert "Your facilitator will be in touch with you soon" in phone.content()
    assert phone.locator('a[href="tel:116123"]').is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    follow_up = FollowUp.objects.get()

    context = browser.new_context(timezone_id="Europe/London", locale="en-GB")
    try:
        desk = CheckedPage(context.new_page())
        sign_in(desk, live_server, facilitator)
        staff = desk.page
        listed = staff.locator("section", has=staff.locator("#follow-ups"))
        assert "Pip Moss" in listed.inner_text()  # first on the dashboard
        staff.get_by_role("link", name="Groups").first.click()
        desk.check()
        banner = staff.locator("section", has=staff.locator("#follow-up-alerts"))
        banner.get_by_role("link", name="Pip Moss").click()
        desk.check()
        assert "Several days" in staff.content()
        staff.get_by_role("button", name="I'm on it").click()
        desk.check()
        assert staff.locator("#follow-up-alerts").count() == 0
        staff.get_by_label("Phone call").check()
        staff.get_by_label("Safety plan reviewed").check()
        staff.get_by_label("Notes (kept encrypted; the participant does not see them)").fill(
            "Talked for twenty minutes; safe tonight; GP tomorrow."
        )
        staff.get_by_role("button", name="Close the follow-up").click()
        desk.check()
        assert "Follow-up closed" in staff.content()
    finally:
        context.close()
    follow_up.refresh_from_db()
    assert not follow_up.is_open and follow_up.acknowledged_by == facilitator
    assert follow_up.outcome == "Talked for twenty minutes; safe tonight; GP tomorrow."


def test_the_measures_pages_fit_a_phone_and_pass_axe(page, live_server):
    """The questionnaire plan, check-in now, the outcome board and a member's trend at 390 px."""
    from datetime import timedelta

    from measures.instruments import PHQ9
    from sessions.models import GroupSession
    from tests.measures.factories import answer

    facilitator = UserFactory(role="facilitator", first_name="Fay", last_name="Field")
    group = TherapyGroupFactory(facilitators=[facilitator], name="Tuesday mood group")
    people = [EnrollmentFactory(group=group).participant for _ in range(6)]
    services.set_measure_plan(group=group, instruments=["phq9", "gad7"], schedule="every")
    for week in range(8):
        session = GroupSessionFactory(
            group=group,
            starts_at=timezone.now() - timedelta(weeks=8 - week),
            status=GroupSession.Status.HELD,
        )
        for n, person in enumerate(people):
            level = min(3, max(0, 2 + n - week // 2))
            answer(person, group, PHQ9, answers=[level] * 8 + [0], session=session)
    today = GroupSessionFactory(group=group, starts_at=timezone.now())
    page.page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server, facilitator)
    for url in (
        reverse("group_measures", args=[group.pk]),
        reverse("check_in_now", args=[today.pk]),
        reverse("session_detail", args=[today.pk]),
        reverse("group_outcomes", args=[group.pk]),
        reverse("participant_record", args=[group.pk, people[0].pk]),
        reverse("follow_up_list"),
    ):
        page.goto(live_server.url + url)
        width = page.page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{url} is {width} px wide at 390"
