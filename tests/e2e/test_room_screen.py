"""The in-room check-in is a presenter view for a shared screen: nothing about any member, no
banner and no menu, and a QR code a phone reads from the screenshot at laptop and projector
sizes (zxing-cpp decodes it as a phone's camera would)."""

import io

import pytest
import zxingcpp
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from measures import instruments, services
from measures.models import Channel
from tests.e2e.test_facilitator_week import sign_in
from tests.members.factories import UserFactory
from tests.sessions.factories import GroupSessionFactory
from tests.therapy_groups.factories import EnrollmentFactory, TherapyGroupFactory


@pytest.mark.parametrize("width, height", [(1366, 768), (1920, 1080)])
def test_the_room_sees_a_scannable_code_and_nothing_about_anyone(
    page, live_server, settings, width, height
):
    facilitator = UserFactory(role="facilitator")
    at_risk = UserFactory(first_name="Robin", last_name="Ashdown")
    group = TherapyGroupFactory(facilitators=[facilitator], name="Tuesday mood group")
    EnrollmentFactory(group=group, participant=at_risk)
    services.set_measure_plan(group=group, instruments=["phq9"], schedule="every")
    session = GroupSessionFactory(group=group, starts_at=timezone.now())
    services.record_answers(  # opens a follow-up: the banner every other page shows
        participant=at_risk,
        group=group,
        instrument=instruments.PHQ9,
        answers=[1] * 9,
        channel=Channel.LINK,
    )
    sign_in(page, live_server, facilitator)
    screen = page.page
    page.goto(live_server.url + reverse("group_list"))
    assert screen.locator("#follow-up-alerts").count() == 1  # the banner other pages show

    screen.set_viewport_size({"width": width, "height": height})
    page.goto(live_server.url + reverse("check_in_now", args=[session.pk]))
    shown = screen.content()
    assert "Robin" not in shown and "Ashdown" not in shown
    assert "Needs a call now" not in shown and screen.locator("nav").count() == 0
    links = screen.locator("a").evaluate_all("(links) => links.map((a) => a.pathname)")
    assert sorted(links) == sorted(
        [reverse("crisis_resources"), reverse("session_detail", args=[session.pk])]
    )
    link = settings.SITE_URL + reverse("measure_check_in", args=[session.pk])
    assert screen.locator(".short-link").inner_text() == link

    picture = Image.open(io.BytesIO(screen.screenshot())).convert("L")
    read = zxingcpp.read_barcodes(picture, formats=zxingcpp.BarcodeFormat.QRCode)
    assert [found.text for found in read] == [link]
    # As drawn on the screen (not the box around it): with its quiet zone, most of the short
    # side (the modules alone are 29 of its 37), and all of it shown without scrolling.
    corners = read[0].position
    drawn = corners.top_right.x - corners.top_left.x
    assert drawn >= 0.5 * height, f"the code is {drawn} px wide on a {height} px high screen"
    assert corners.bottom_left.y <= height
