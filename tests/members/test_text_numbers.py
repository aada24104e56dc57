"""A person's mobile number for texts (members/text_numbers.py): normalised to E.164, verified by
a code that goes through the outbox by text, rate-limited, expiring, removable; and the page."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db.models.functions import Now
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.outbox import delivery, sms
from core.outbox.models import Notification
from members import text_numbers
from members.models import CodeSent, TextNumber

pytestmark = pytest.mark.django_db
MOBILE = "+447400123456"


@pytest.fixture(autouse=True)
def no_texts_yet():
    sms.LocmemBackend.sent.clear()


def code_sent_to(number: str) -> str:
    """Deliver what is due; the code in the one text that went to `number`."""
    delivery.deliver_due()
    [body] = [body for to, body in sms.LocmemBackend.sent if to == number]
    return body.split("code is ", 1)[1][:6]


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("07400 123456", "+447400123456"),
        ("+44 (0)7400-123456", "+447400123456"),
        ("+34 612 34 56 78", "+34612345678"),
    ],
)
def test_numbers_are_kept_in_e164(typed, stored):
    assert text_numbers.normalised(typed) == stored


@pytest.mark.parametrize(
    ("typed", "says"),
    [("12", "doesn't look like"), ("hello", "doesn't look like"), ("020 7946 0000", "landline")],
)
def test_a_wrong_or_landline_number_is_refused_with_a_reason(typed, says):
    with pytest.raises(ValidationError, match=says):
        text_numbers.normalised(typed)


def test_the_code_goes_by_text_to_the_new_number_and_typing_it_verifies_it(participant):
    found = text_numbers.send_code(person=participant, number=MOBILE)
    assert not found.verified
    row = Notification.objects.get(kind=text_numbers.CODE)
    assert (row.channel, row.recipient) == (Notification.Channel.TEXT, participant)

    code = code_sent_to(MOBILE)
    assert len(sms.LocmemBackend.sent[0][1]) <= 160  # one segment
    text_numbers.confirm_number(person=participant, code=code)

    found.refresh_from_db()
    assert found.verified and found.code == ""
    row.refresh_from_db()
    assert row.state == Notification.State.SENT


def test_only_a_verified_number_gets_other_texts(participant):
    found = text_numbers.send_code(person=participant, number=MOBILE)
    reminder = Notification(kind="session_reminder", recipient=participant, subject_id=1)
    assert text_numbers.number_for(reminder) is None
    text_numbers.confirm_number(person=participant, code=code_sent_to(MOBILE))
    assert text_numbers.number_for(reminder) == MOBILE
    TextNumber.objects.filter(pk=found.pk).update(stopped_at=timezone.now())
    assert text_numbers.number_for(reminder) is None


def test_a_wrong_code_says_how_many_tries_are_left_and_the_fifth_ends_it(participant):
    text_numbers.send_code(person=participant, number=MOBILE)
    right = code_sent_to(MOBILE)
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    with pytest.raises(ValidationError, match="4 tries left"):
        text_numbers.confirm_number(person=participant, code=wrong)
    for _ in range(4):
        with pytest.raises(ValidationError):
            text_numbers.confirm_number(person=participant, code=wrong)
    with pytest.raises(ValidationError, match="run out"):
        text_numbers.confirm_number(person=participant, code=right)
    assert not TextNumber.objects.get(person=participant).verified


def test_a_code_runs_out_after_ten_minutes(participant):
    text_numbers.send_code(person=participant, number=MOBILE)
    code = code_sent_to(MOBILE)
    TextNumber.objects.update(code_sent_at=timezone.now() - timedelta(minutes=11))
    with pytest.raises(ValidationError, match="run out"):
        text_numbers.confirm_number(person=participant, code=code)


def test_at_most_three_codes_an_hour(participant):
    for _ in range(3):
        text_numbers.send_code(person=participant, number=MOBILE)
    with pytest.raises(ValidationError, match="3 codes in the last hour"):
        text_numbers.send_code(person=participant, number=MOBILE)
    CodeSent.objects.update(sent_at=Now() - timedelta(minutes=61))
    text_numbers.send_code(person=participant, number=MOBILE)


def test_removing_and_adding_the_number_again_does_not_reset_the_limit(participant):
    for _ in range(3):
        text_numbers.send_code(person=participant, number=MOBILE)
        text_numbers.remove_number(person=participant)
    with pytest.raises(ValidationError, match="3 codes in the last hour"):
        text_numbers.send_code(person=participant, number="+447400654321")  # per person
    assert not TextNumber.objects.filter(person=participant).exists()  # nothing half-saved


def test_one_number_gets_at_most_three_codes_an_hour_whoever_asks(participant, other_participant):
    for _ in range(3):
        text_numbers.send_code(person=participant, number=MOBILE)
    with pytest.raises(ValidationError, match="Please try again in 60 minutes"):
        text_numbers.send_code(person=other_participant, number=MOBILE)  # per number


def test_a_fourth_code_by_resend_is_refused_with_a_message_not_an_error(participant):
    client = Client()
    client.force_login(participant)
    page = reverse("text_messages")
    client.post(page, {"action": "send_code", "number": "07400 123456"})
    for _ in range(2):
        assert client.post(page, {"action": "resend"}).status_code == 302
    refused = client.post(page, {"action": "resend"})
    assert refused.status_code == 429
    assert "We have sent 3 codes in the last hour" in refused.text
    assert CodeSent.objects.count() == 3


def test_a_new_code_replaces_one_not_yet_sent_and_only_the_last_one_goes(participant):
    text_numbers.send_code(person=participant, number=MOBILE)
    text_numbers.send_code(person=participant, number=MOBILE)
    delivery.deliver_due()
    assert len(sms.LocmemBackend.sent) == 1
    code = sms.LocmemBackend.sent[0][1].split("code is ", 1)[1][:6]
    assert code == TextNumber.objects.get(person=participant).code


def test_changing_the_number_stops_texts_until_the_new_one_is_verified(participant):
    text_numbers.send_code(person=participant, number=MOBILE)
    text_numbers.confirm_number(person=participant, code=code_sent_to(MOBILE))
    text_numbers.send_code(person=participant, number="+447400654321")
    reminder = Notification(kind="session_reminder", recipient=participant, subject_id=1)
    assert text_numbers.number_for(reminder) is None


def test_removing_the_number_forgets_it_and_cancels_waiting_texts(participant):
    text_numbers.send_code(person=participant, number=MOBILE)
    text_numbers.remove_number(person=participant)
    assert not TextNumber.objects.exists()
    assert Notification.objects.get().state == Notification.State.CANCELLED
    assert delivery.deliver_due() == 0 and sms.LocmemBackend.sent == []


def test_the_number_is_encrypted_at_rest(participant):
    from django.db import connection

    text_numbers.send_code(person=participant, number=MOBILE)
    with connection.cursor() as cursor:
        cursor.execute("SELECT number, code FROM members_textnumber")
        number, code = cursor.fetchone()
    assert "7400123456" not in number and not code.isdigit()


def test_the_page_takes_a_person_from_number_to_verified_and_back(participant):
    client = Client()
    client.force_login(participant)
    url = reverse("text_messages")
    assert "Add your mobile number" in client.get(url).text

    page = client.post(url, {"action": "send_code", "number": "020 7946 0000"}, follow=True)
    assert "That looks like a landline" in page.text and not TextNumber.objects.exists()

    page = client.post(url, {"action": "send_code", "number": "07400 123456"}, follow=True)
    assert "We sent a code to <strong>+44 7400 123456</strong>" in page.text
    code = code_sent_to(MOBILE)

    page = client.post(
        url, {"action": "confirm", "code": "000000" if code != "000000" else "111111"}
    )
    assert "match. 4 tries left." in page.text

    page = client.post(url, {"action": "confirm", "code": code}, follow=True)
    assert "Your texts come to <strong>+44 7400 123456</strong>." in page.text

    page = client.post(url, {"action": "remove"}, follow=True)
    assert "Your number is removed" in page.text and not TextNumber.objects.exists()


def test_the_page_is_for_signed_in_people_only_each_their_own(participant, facilitator):
    assert Client().get(reverse("text_messages")).status_code == 302
    text_numbers.send_code(person=participant, number=MOBILE)
    client = Client()
    client.force_login(facilitator)
    page = client.get(reverse("text_messages")).text
    assert "7400 123456" not in page and "Add your mobile number" in page
