"""The path around the group, in a browser: someone refers themselves on a 390 px phone, a
facilitator takes it on and books the screening, the person answers the screening's link,
gets a place and chooses a password from the one email, attends eight sessions, is
discharged with a signed summary and a letter to the referrer, and answers the check-in a
month later. axe on every page; messages delivered by the outbox as a worker would."""

import io
import re
from datetime import timedelta
from urllib.parse import urlsplit

from django.core import mail
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from core.outbox.delivery import deliver_due
from measures import services as measure_services
from measures.instruments import GAD7, PHQ9
from measures.models import Channel, MeasureResponse
from members.services import set_crisis_lines
from participation import referral as self_referral
from pathways import boosters
from pathways.models import DischargeSummary, Referral
from sessions.models import Attendance, GroupSession
from tests.e2e.conftest import CheckedPage
from tests.e2e.test_facilitator_week import sign_in
from tests.measures.factories import answers_totalling
from tests.members.factories import UserFactory
from tests.sessions.factories import GroupSessionFactory
from tests.therapy_groups.factories import TherapyGroupFactory
from therapy_groups import services as group_services
from therapy_groups.models import Enrollment


def delivered(now=None) -> list:
    mail.outbox.clear()
    while deliver_due(now):
        pass
    return list(mail.outbox)


def link_in(message, prefix: str) -> str:
    return re.search(rf"https?://[^/\s]+({prefix}[^\s]+)", message.body).group(1)


def answer_questionnaires(phone, checked):
    """'Several days' to each question, but 'Not at all' to thoughts of self-harm."""
    questions = phone.locator("fieldset.choice-question")
    for index in range(questions.count()):
        question = questions.nth(index)
        risk = "better off dead" in question.inner_text()
        question.locator("input[type=radio]").nth(0 if risk else 1).check()
    phone.get_by_role("button", name="Send my answers").click()
    checked.check()


def test_a_self_referral_becomes_a_place_a_discharge_and_a_check_in_a_month_later(
    page, browser, live_server, monkeypatch
):
    monkeypatch.setattr(self_referral, "FASTEST", 0)  # the browser types faster than a person
    facilitator = UserFactory(role="facilitator", first_name="Fay", last_name="Field")
    group = TherapyGroupFactory(facilitators=[facilitator], name="Tuesday mood group")
    measure_services.set_measure_plan(group=group, instruments=["phq9", "gad7"], schedule="every")
    set_crisis_lines(lines=[{"name": "Samaritans", "phone": "116 123", "hours": "24 hours"}])

    # 1. On a phone, from the sign-in page's link.
    phone = page.page
    phone.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + reverse("account_login"))
    phone.get_by_role("link", name="Ask for a place").click()
    page.check()
    assert phone.locator('a[href="tel:116123"]').first.is_visible()
    phone.get_by_label("What should we call you?").fill("Robin")
    phone.get_by_label("Your email address").fill("robin@example.org")
    phone.get_by_label("A phone number we can call (optional)").fill("07700 900777")
    phone.get_by_label("I agree that the clinic may contact me").check()
    phone.get_by_role("button", name="Send").click()
    page.check()
    assert "We have your request" in phone.content()

    context = browser.new_context(timezone_id="Europe/London", locale="en-GB")
    try:
        desk = CheckedPage(context.new_page())
        staff = desk.page
        sign_in(desk, live_server, facilitator)

        # 2. The facilitator takes it on and books the screening.
        staff.get_by_role("link", name="Referrals").first.click()
        desk.check()
        staff.get_by_role("button", name="Take on Robin").click()
        desk.check()
        referral = Referral.objects.get()
        desk.goto(live_server.url + reverse("referral_detail", args=[referral.pk]))
        day = (timezone.localdate() + timedelta(days=3)).isoformat()
        staff.get_by_label("Date").fill(day)
        staff.get_by_label("Time (your time zone)").fill("10:30")
        staff.get_by_role("button", name="Book it").click()
        desk.check()
        assert "Screening booked" in staff.content()

        # 3. The person answers the screening's link on their phone.
        [asked] = delivered()
        page.goto(live_server.url + link_in(asked, "/s/"))
        answer_questionnaires(phone, page)
        assert "Your answers are saved" in phone.content()
        assert MeasureResponse.objects.filter(group__isnull=True).count() == 2

        # 4. Screened, then a place: the invitation is the one email.
        desk.goto(live_server.url + reverse("referral_detail", args=[referral.pk]))
        assert "out of 27" in staff.content()
        staff.get_by_label("Your note on their readiness for a group").fill("Ready; evenings.")
        staff.get_by_role("button", name="Save: screened").click()
        desk.check()
        staff.get_by_label("Group:").select_option(label=group.name)
        staff.get_by_role("button", name="Offer the place").click()
        desk.check()
        [invited] = delivered()
        assert invited.to == ["robin@example.org"]
        page.goto(live_server.url + urlsplit(link_in(invited, "/invitations/")).path)
        phone.get_by_label("New password:", exact=True).fill("a long walk by the river")
        phone.get_by_label("New password confirmation:").fill("a long walk by the river")
        phone.get_by_role("button", name="Save and continue").click()
        page.check()
        referral.refresh_from_db()
        assert referral.status == "joined"
        person = referral.person

        # 5. Eight weekly sessions (the weeks pass in the records), then they complete.
        enrollment = Enrollment.objects.get(group=group, participant=person)
        Enrollment.objects.filter(pk=enrollment.pk).update(
            joined_on=timezone.localdate() - timedelta(weeks=9)
        )
        for week in range(8):
            session = GroupSessionFactory(
                group=group,
                starts_at=timezone.now() - timedelta(weeks=8 - week),
                status=GroupSession.Status.HELD,
            )
            Attendance.objects.create(session=session, participant=person, status="present")
            if week in (0, 7):
                for measure, total in (
                    (PHQ9, 16 if week == 0 else 6),
                    (GAD7, 12 if week == 0 else 5),
                ):
                    measure_services.record_answers(
                        participant=person,
                        group=group,
                        instrument=measure,
                        answers=answers_totalling(measure, total),
                        session=session,
                        channel=Channel.ROOM,
                    )
        enrollment.refresh_from_db()
        group_services.end_enrollment(enrollment=enrollment, status=Enrollment.Status.COMPLETED)

        # 6. The discharge summary: drafted, written, reviewed, signed; the letter downloaded.
        desk.goto(live_server.url + reverse("discharge_summary", args=[group.pk, person.pk]))
        staff.get_by_role("button", name="Start the draft").click()
        desk.check()
        assert "attended 8 of 8 offered" in staff.content()
        staff.get_by_label("Your summary, in your own words").fill("Engaged well throughout.")
        staff.get_by_label("They agreed to short check-ins").check()
        staff.get_by_role("button", name="Save the draft").click()
        desk.check()
        staff.get_by_role("link", name="Review and sign").click()
        desk.check()
        staff.get_by_role("button", name="Sign and lock").click()
        desk.check()
        with staff.expect_download() as download:
            staff.get_by_role("link", name="Download the letter to the referrer (PDF)").click()
        pdf = PdfReader(io.BytesIO(open(download.value.path(), "rb").read()))  # noqa: SIM115
        text = " ".join(" ".join(p.extract_text() for p in pdf.pages).split())
        assert "attended 8 of the 8 sessions of Tuesday mood group" in text
        assert "Engaged well throughout." in text
    finally:
        context.close()

    # 7. A month later, the check-in comes by email; they answer it on the phone.
    summary = DischargeSummary.objects.get()
    when = boosters.due(summary, 1, person.timezone)
    assert boosters.plan_boosters(when - timedelta(minutes=1)) == 1
    [check_in] = delivered(when + timedelta(minutes=1))
    page.goto(live_server.url + link_in(check_in, "/b/"))
    answer_questionnaires(phone, page)
    assert "facilitators will see them" in phone.content()
    assert MeasureResponse.objects.filter(after_months=1).count() == 2
