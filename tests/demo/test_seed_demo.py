import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command

from demo.management.commands.seed_demo import DEMO_PASSWORD, DEMO_TOTP_SECRET
from members.models import Role, User

pytestmark = pytest.mark.django_db


def test_seed_demo_refuses_without_debug_or_force(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=1"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_seed_demo_creates_verified_demo_accounts_with_staff_mfa_and_is_idempotent(
    settings, capsys
):
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")
    assert DEMO_TOTP_SECRET in capsys.readouterr().out

    assert User.objects.filter(role=Role.PARTICIPANT).count() >= 10
    assert set(User.objects.exclude(role=Role.PARTICIPANT).values_list("email", flat=True)) == {
        "admin@example.com",
        "facilitator@example.com",
        "cofacilitator@example.com",
    }
    participant = User.objects.get(email="participant2@example.com")
    assert participant.check_password(DEMO_PASSWORD)
    # Everyone with an account of their own; people waiting on a referral have none yet.
    signed_up = User.objects.exclude(password__startswith="!")
    assert EmailAddress.objects.filter(verified=True).count() == signed_up.count()
    assert User.objects.count() - signed_up.count() == 5
    for user in User.objects.exclude(role=Role.PARTICIPANT):
        assert user.authenticator_set.filter(type="totp").count() == 1
    assert not participant.authenticator_set.exists()


def test_seed_demo_force_runs_with_debug_off(settings):
    settings.DEBUG = False
    call_command("seed_demo", "--force")
    assert User.objects.filter(email="admin@example.com").exists()


def test_seed_demo_builds_three_groups_with_a_documented_past_and_a_waitlist(settings):
    from sessions.models import GroupNote, GroupSession
    from therapy_groups.models import Enrollment, TherapyGroup

    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")
    cbt = TherapyGroup.objects.get(name="Tuesday evening CBT for depression")
    assert cbt.enrollments.filter(status="active").count() == 8
    assert cbt.series.get().sessions.count() == 12 and cbt.facilitators.count() == 2
    held = cbt.sessions.filter(status=GroupSession.Status.HELD)
    assert 5 <= held.count() <= 7
    assert (
        GroupNote.objects.filter(session__in=held, signed_at__isnull=False).count() == held.count()
    )
    assert (
        TherapyGroup.objects.get(name="Thursday peer support").series.get().frequency == "biweekly"
    )
    cohort = TherapyGroup.objects.get(name="Spring skills cohort")
    assert cohort.is_closed_cohort
    assert cohort.enrollments.filter(status=Enrollment.Status.WAITLISTED).count() == 2


def test_seed_demo_gives_the_cbt_group_a_questionnaire_history_to_read(settings):
    from measures.board import outcome_board
    from measures.models import FollowUp, MeasurePlan, MeasureResponse
    from sessions.models import GroupSession
    from therapy_groups.models import TherapyGroup

    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")  # idempotent: no second history
    cbt = TherapyGroup.objects.get(name="Tuesday evening CBT for depression")
    assert MeasurePlan.objects.get(group=cbt).instruments == ["phq9", "gad7"]
    held = cbt.sessions.filter(status=GroupSession.Status.HELD).count()
    phq = MeasureResponse.objects.filter(group=cbt, instrument="phq9")
    assert phq.values("session").distinct().count() == held
    assert phq.count() == 8 * held - 2  # one person missed the last two sessions
    rows = {row.participant.email: row for row in outcome_board(cbt).rows}
    first = dict((m.code, c) for m, c in rows["participant@example.com"].changes)["phq9"]
    assert first.reliable == "improvement"
    assert sum("reliably worse" in row.off_track for row in rows.values()) == 1
    follow_up = FollowUp.objects.get(group=cbt)
    assert follow_up.is_open and "open follow-up" in rows[follow_up.participant.email].off_track


def test_seed_demo_has_a_session_today_in_each_running_group_and_a_holiday_country(settings):
    """So that a new contributor can try the day's flows and the holiday warning at once."""
    import zoneinfo

    from django.utils import timezone

    from members.models import Organisation
    from therapy_groups.models import TherapyGroup

    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")  # idempotent: still one today
    assert Organisation.current().holiday_country == "GB"
    for name in ("Tuesday evening CBT for depression", "Thursday peer support"):
        group = TherapyGroup.objects.get(name=name)
        today = timezone.localdate(timezone.now(), zoneinfo.ZoneInfo(group.timezone))
        todays = [s for s in group.sessions.all() if s.local_date == today]
        assert len(todays) == 1  # its own series' session, on its weekday
