"""The participant home on a 390 px phone: the next session first, then any check-ins (each a
landmark of its own name), and a check-in withdrawn while the person says they can't come."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from measures import services
from tests.members.factories import PASSWORD, UserFactory
from tests.sessions.factories import GroupSessionFactory
from tests.therapy_groups.factories import EnrollmentFactory, TherapyGroupFactory


def test_the_next_session_comes_first_and_a_check_in_steps_aside_for_an_apology(page, live_server):
    person = UserFactory()
    sessions = []
    for name, days in (("Tuesday group", 1), ("Thursday group", 2)):
        group = TherapyGroupFactory(name=name, display_name=name)
        EnrollmentFactory(group=group, participant=person)
        services.set_measure_plan(group=group, instruments=["phq9", "gad7"], schedule="every")
        sessions.append(
            GroupSessionFactory(group=group, starts_at=timezone.now() + timedelta(days=days))
        )
    phone = page.page
    phone.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + reverse("account_login"))
    phone.get_by_label("Email:").fill(person.email)
    phone.get_by_label("Password:").fill(PASSWORD)
    phone.get_by_role("button", name="Sign in").click()
    page.check()  # axe, landmark-unique included: two check-ins, two names
    headings = phone.locator("main h2").all_inner_texts()
    assert headings[0] == "Your next session"
    check_ins = [h for h in headings if h.startswith("A short check-in for")]
    assert len(check_ins) == 2 and len(set(check_ins)) == 2

    next_session = phone.locator("section", has=phone.locator("#next-session"))
    next_session.get_by_role("link", name="I can't make it").click()
    page.check()
    phone.get_by_role("button", name="Let them know").click()
    page.check()
    headings = phone.locator("main h2").all_inner_texts()
    # The Thursday group's by its name: its heading's date may fall on any weekday (a
    # "Thursday" in the Tuesday group's date, the day after a Wednesday, matched it too).
    assert [h for h in headings if h.startswith("A short check-in for")] == [
        h for h in check_ins if "Thursday group" in h
    ]
    phone.get_by_role("button", name="I can come after all").click()
    page.check()
    again = phone.locator("main h2").all_inner_texts()
    assert len([h for h in again if h.startswith("A short check-in for")]) == 2
