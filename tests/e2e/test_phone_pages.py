"""Every page of every role on a 390 px phone, with the demo clinic's data: no page is wider
than the screen (CheckedPage.check lays each page out again at phone width), and axe passes."""

from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from core.outbox.models import Notification
from demo.management.commands.seed_demo import DEMO_TOTP_SECRET
from measures.models import FollowUp
from members.models import User
from pathways.models import Referral
from sessions.models import GroupNote, GroupSession
from tests.members.factories import current_totp
from therapy_groups.models import Goal, TherapyGroup

PASSWORD = "together-demo"


def sign_in(page, live_server, email: str, staff: bool) -> None:
    page.goto(live_server.url + reverse("account_login"))
    browser = page.page
    browser.get_by_label("Email:").fill(email)
    browser.get_by_label("Password:").fill(PASSWORD)
    browser.get_by_role("button", name="Sign in").click()
    if staff:
        browser.get_by_label("Code:").fill(current_totp(DEMO_TOTP_SECRET))
        browser.get_by_role("button", name="Sign in").click()
    page.check()


def visit(page, live_server, urls: list[str]) -> None:
    for url in urls:
        page.goto(live_server.url + url)
        assert page.page.url.endswith(url), f"{url} sent us to {page.page.url}"


def test_a_facilitators_pages_fit_a_phone(page, live_server, settings):
    settings.DEBUG = True  # seed_demo's own guard
    call_command("seed_demo")
    facilitator = User.objects.get(email="facilitator@example.com")
    group = TherapyGroup.objects.get(name__startswith="Tuesday evening CBT")
    member = group.enrollments.exclude(participant=None).first().participant
    held = group.sessions.filter(status=GroupSession.Status.HELD).order_by("starts_at")
    signed = GroupNote.objects.filter(session__group=group, signed_at__isnull=False).first()
    sign_in(page, live_server, facilitator.email, staff=True)
    urls = [
        reverse("home"),
        reverse("group_list"),
        reverse("group_detail", args=[group.pk]),
        reverse("attendance_grid", args=[group.pk]),
        reverse("group_outcomes", args=[group.pk]),
        reverse("group_measures", args=[group.pk]),
        reverse("group_audit", args=[group.pk]),
        reverse("participant_record", args=[group.pk, member.pk]),
        reverse("session_detail", args=[held.last().pk]),
        reverse("session_detail", args=[signed.session_id]),
        reverse("group_note", args=[group.sessions.filter(note=None).first().pk]),
        reverse("individual_note", args=[signed.session_id, member.pk]),
        reverse("session_schedule", args=[group.pk]),
        reverse("follow_up_list"),
        reverse("person_record", args=[member.pk]),
        reverse("referral_list"),
        reverse("referral_new"),
        *[
            reverse("referral_detail", args=[referral.pk])
            for referral in Referral.objects.filter(handler=facilitator)
        ],
    ]
    follow_up = FollowUp.objects.filter(group__facilitators=facilitator).first()
    if follow_up is not None:
        urls.append(reverse("follow_up_detail", args=[follow_up.pk]))
    visit(page, live_server, urls)


def test_the_public_pages_fit_a_phone(page, live_server, settings):
    settings.DEBUG = True
    call_command("seed_demo")
    visit(page, live_server, [reverse("self_referral"), reverse("self_referral_thanks")])


def test_an_admins_pages_fit_a_phone(page, live_server, settings):
    settings.DEBUG = True
    call_command("seed_demo")
    # What made Delivery health 556 px wide: texts by month, and a provider's long error.
    now = timezone.now()
    row = {"kind": "session_reminder", "subject_id": 1, "occurrence": now, "due_at": now}
    row["expires_at"] = now
    someone = User.objects.get(email="participant2@example.com")
    Notification.objects.create(
        **row, channel="text", recipient=someone, state="sent", sent_at=now, segments=2
    )
    Notification.objects.create(
        **row,
        email="x@example.org",
        state="failed",
        attempts=5,
        last_error="SMTPRecipientsRefused:" + "x" * 200,
    )
    sign_in(page, live_server, "admin@example.com", staff=True)
    visit(
        page,
        live_server,
        [
            reverse("home"),
            reverse("admin_therapists"),
            reverse("admin_groups"),
            reverse("admin_reports"),
            reverse("admin_waiting_times"),
            reverse("admin_outcomes"),
            reverse("admin_delivery"),
            reverse("overdue_follow_ups"),
            reverse("admin_settings"),
            reverse("admin_closures"),
            reverse("admin_activity"),
            reverse("admin_agreement"),
        ],
    )
    # The agreement's words change only after the review says who will be asked again.
    screen = page.page
    screen.get_by_label("Group confidentiality agreement").fill("Be kind.\nKeep it here.")
    screen.get_by_role("button", name="Review the change").click()
    page.check()
    assert "will be asked to accept the new words" in screen.content()
    screen.get_by_role("button", name="Publish version 2").click()
    page.check()
    assert "Version 2 is in force" in screen.content()


def test_a_participants_pages_fit_a_phone(page, live_server, settings):
    settings.DEBUG = True
    call_command("seed_demo")
    person = User.objects.get(email="participant2@example.com")
    goal = Goal.objects.filter(participant=person).first()
    sign_in(page, live_server, person.email, staff=False)
    urls = [
        reverse("home"),
        reverse("my_scores"),
        reverse("my_data"),
        reverse("account_overview"),
        reverse("usersessions_list"),
        reverse("preferences"),
        reverse("calendar_settings"),
        reverse("crisis_resources"),
        reverse("goal_new"),
    ]
    if goal is not None:
        urls.append(reverse("goal_detail", args=[goal.pk]))
    visit(page, live_server, urls)
