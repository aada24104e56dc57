"""Rosters: inviting, the waitlist in order, closed cohorts, leaving with history kept."""

from datetime import date

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.urls import reverse

from members.models import Invitation, Role
from members.services import accept_invitation
from tests.members.factories import UserFactory
from tests.therapy_groups.factories import EnrollmentFactory, TherapyGroupFactory
from therapy_groups import services
from therapy_groups.models import Enrollment

pytestmark = pytest.mark.django_db


@pytest.fixture
def group(facilitator):
    return TherapyGroupFactory(facilitators=[facilitator], capacity=2)


def invite(group, email, by, *, started=False, reason=""):
    return services.invite_to_group(
        group=group, email=email, invited_by=by, cohort_started=started, override_reason=reason
    )


def test_an_existing_participant_is_asked_to_join_and_says_yes_from_home(
    client, group, facilitator, participant, send_outbox
):
    enrollment = invite(group, participant.email.upper(), facilitator)
    send_outbox()
    assert enrollment.status == Enrollment.Status.INVITED and enrollment.participant == participant
    assert enrollment.joined_on is None  # not in the group until they say yes
    assert mail.outbox[-1].to == [participant.email]
    assert "You're invited to join Your group" in mail.outbox[-1].body
    # No discreet name set: the email says "Your group", never the group's real name.
    assert group.name not in mail.outbox[-1].body and "notes" not in mail.outbox[-1].body.lower()
    client.force_login(participant)
    assert "You're invited to join" in client.get(reverse("home")).text
    client.post(reverse("place_answer", args=[enrollment.pk]), {"answer": "accept"})
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.ACTIVE and enrollment.joined_on is not None


def test_an_invited_participant_may_say_no_and_the_place_goes_to_the_waitlist(
    client, group, facilitator, participant
):
    EnrollmentFactory(group=group)
    asked = invite(group, participant.email, facilitator)
    waiting = invite(group, UserFactory().email, facilitator)
    assert waiting.status == Enrollment.Status.WAITLISTED
    client.force_login(participant)
    client.post(reverse("place_answer", args=[asked.pk]), {"answer": "decline"})
    asked.refresh_from_db()
    waiting.refresh_from_db()
    assert asked.status == Enrollment.Status.WITHDRAWN
    assert waiting.has_offer  # the freed place is offered to the next in line


def test_nobody_else_can_answer_for_an_invited_person(client, group, facilitator, participant):
    asked = invite(group, participant.email, facilitator)
    client.force_login(UserFactory())
    response = client.post(reverse("place_answer", args=[asked.pk]), {"answer": "accept"})
    assert response.status_code == 404
    asked.refresh_from_db()
    assert asked.status == Enrollment.Status.INVITED


def test_the_facilitator_cannot_tell_whether_an_address_has_an_account(
    client, group, facilitator, participant
):
    """Same reply, same roster line, and no record to open, for a known and an unknown address."""
    client.force_login(facilitator)
    replies = []
    for email in (participant.email, "nobody.yet@example.org"):
        response = client.post(
            reverse("group_invite", args=[group.pk]), {"email": email}, follow=True
        )
        replies.append(response.text.replace(email, "EMAIL"))
        assert f"{email} (has not joined yet)" in response.text
    assert [r.count("has been invited by email") for r in replies] == [1, 1]
    assert participant.get_full_name() not in replies[0]
    record = reverse("participant_record", args=[group.pk, participant.pk])
    assert client.get(record).status_code == 404


def test_a_new_person_is_invited_and_joins_when_they_sign_up(group, facilitator, send_outbox):
    enrollment = invite(group, "new.person@example.org", facilitator)
    send_outbox()
    assert enrollment.status == Enrollment.Status.INVITED and enrollment.participant is None
    assert "/invitations/" in mail.outbox[-1].body

    user = UserFactory(email="new.person@example.org")
    accept_invitation(invitation=enrollment.invitation, user=user)
    enrollment.refresh_from_db()
    assert enrollment.participant == user and enrollment.status == Enrollment.Status.ACTIVE
    assert enrollment.joined_on is not None


def test_a_full_group_puts_people_on_the_waitlist_in_order_and_offers_a_freed_seat_to_the_first(
    group, facilitator, send_outbox
):
    members = [EnrollmentFactory(group=group) for _ in range(2)]
    first, second = UserFactory(), UserFactory()
    assert invite(group, first.email, facilitator).status == Enrollment.Status.WAITLISTED
    assert invite(group, second.email, facilitator).status == Enrollment.Status.WAITLISTED

    services.end_enrollment(
        enrollment=members[0], status=Enrollment.Status.WITHDRAWN, reason="Moved away"
    )
    send_outbox()
    offered = Enrollment.objects.get(participant=first)
    assert offered.has_offer
    assert not Enrollment.objects.get(participant=second).has_offer
    assert mail.outbox[-1].to == [first.email]

    # The offered seat is held: nobody else can take it meanwhile.
    assert invite(group, UserFactory().email, facilitator).status == Enrollment.Status.WAITLISTED
    services.accept_offer(enrollment=offered)
    offered.refresh_from_db()
    assert offered.status == Enrollment.Status.ACTIVE


def test_facilitator_sees_the_offer_on_the_dashboard(client, group, facilitator):
    EnrollmentFactory(group=group)
    leaving = EnrollmentFactory(group=group)
    waiting = UserFactory(first_name="Wren", last_name="Waits")
    invite(group, waiting.email, facilitator)
    services.end_enrollment(enrollment=leaving, status=Enrollment.Status.COMPLETED)
    client.force_login(facilitator)
    page = client.get(reverse("home")).text
    assert "Places offered from the waitlist" in page
    # Until they accept, they are the address the facilitator typed.
    assert f"{waiting.email} (has not joined yet)" in page and "Wren Waits" not in page


def test_participant_accepts_an_offered_seat(client, group, facilitator):
    EnrollmentFactory(group=group)
    leaving = EnrollmentFactory(group=group)
    waiting = UserFactory()
    enrollment = invite(group, waiting.email, facilitator)
    services.end_enrollment(enrollment=leaving, status=Enrollment.Status.WITHDRAWN)
    client.force_login(waiting)
    assert "A place is free for you" in client.get(reverse("home")).text
    client.post(reverse("place_answer", args=[enrollment.pk]), {"answer": "accept"})
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.ACTIVE


def test_closed_cohort_refuses_new_members_after_it_has_met_unless_overridden_with_a_reason(
    facilitator,
):
    group = TherapyGroupFactory(facilitators=[facilitator], enrollment_mode="closed")
    assert invite(group, UserFactory().email, facilitator, started=False).status == "invited"
    with pytest.raises(ValidationError, match="closed group has already met"):
        invite(group, UserFactory().email, facilitator, started=True)
    late = invite(
        group, UserFactory().email, facilitator, started=True, reason="Referred by GP, agreed"
    )
    assert late.status == Enrollment.Status.INVITED
    assert late.override_reason == "Referred by GP, agreed"


def test_staff_accounts_cannot_be_added_as_participants(group, facilitator, cofacilitator):
    with pytest.raises(ValidationError, match="staff account"):
        invite(group, cofacilitator.email, facilitator)


def test_nobody_is_in_a_group_twice(group, facilitator, participant):
    invite(group, participant.email, facilitator)
    with pytest.raises(ValidationError, match="already in the group"):
        invite(group, participant.email, facilitator)
    with pytest.raises(IntegrityError):
        Enrollment.objects.create(group=group, participant=participant, status="waitlisted")


def test_leaving_keeps_history_and_rejoining_starts_a_new_enrollment(
    group, facilitator, participant
):
    first = invite(group, participant.email, facilitator)
    services.end_enrollment(
        enrollment=first,
        status=Enrollment.Status.WITHDRAWN,
        reason="Needed a break",
        left_on=date.today(),
    )
    second = invite(group, participant.email, facilitator)
    first.refresh_from_db()
    assert first.status == Enrollment.Status.WITHDRAWN and first.leaving_reason == "Needed a break"
    assert second.pk != first.pk and second.status == Enrollment.Status.INVITED


def test_invited_enrollment_is_claimed_only_by_the_invited_account(group, facilitator):
    enrollment = invite(group, "kit@example.org", facilitator)
    invitation = Invitation.objects.get(email="kit@example.org")
    assert invitation.role == Role.PARTICIPANT
    someone_else = UserFactory()
    services.claim_invited_enrollments(
        invitation=Invitation.objects.create(
            email="x@example.org",
            role=Role.PARTICIPANT,
            expires_at=invitation.expires_at,
        ),
        user=someone_else,
    )
    enrollment.refresh_from_db()
    assert enrollment.participant is None
