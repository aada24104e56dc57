"""Text-message providers (core/outbox/sms.py): the Twilio backend against a local fake of Twilio's
documented API (tests/support/fake_twilio.py), the console backend, SMS_URL and segments."""

import io

import pytest

from config import env
from core.outbox import sms
from tests.support.fake_twilio import FakeTwilio, error


def twilio(url: str, **changes) -> sms.TwilioBackend:
    options = env.sms_config(url)["OPTIONS"]
    return sms.TwilioBackend(**{**options, **changes})


@pytest.fixture
def fake():
    with FakeTwilio() as provider:
        yield provider


def test_a_text_is_a_form_encoded_post_with_basic_auth_to_the_messages_resource(fake):
    sent = twilio(fake.url).send(
        "+447700900123", "Reminder: group tomorrow", status_callback="https://x.example/sms/s"
    )
    assert fake.problems == []
    [request] = fake.received
    assert request["form"] == {
        "To": "+447700900123",
        "From": "+447700900001",
        "Body": "Reminder: group tomorrow",
        "StatusCallback": "https://x.example/sms/s",
    }
    assert sent.provider_id.startswith("SM") and len(sent.provider_id) == 34
    assert sent.segments == 1


def test_a_messaging_service_sends_in_place_of_a_number(fake):
    twilio(fake.url, sender="MG" + "a" * 32).send("+447700900123", "Hello")
    assert fake.problems == []
    form = fake.received[0]["form"]
    assert form["MessagingServiceSid"] == "MG" + "a" * 32 and "From" not in form


def test_the_segments_twilio_charges_are_kept(fake):
    assert twilio(fake.url).send("+447700900123", "x" * 200).segments == 2


def test_rate_limiting_means_try_later_with_the_wait_twilio_asks_for(fake):
    status, body, _ = error(429, 20429, "Too Many Requests")
    fake.script.append((status, body, {"Retry-After": "7"}))
    with pytest.raises(sms.Unavailable) as raised:
        twilio(fake.url).send("+447700900123", "Hello")
    assert raised.value.retry_after == 7
    assert "20429" in str(raised.value)


def test_an_unsubscribed_number_is_opted_out_and_never_tried_again(fake):
    fake.script.append(error(400, 21610, "Attempt to send to unsubscribed recipient"))
    with pytest.raises(sms.OptedOut):
        twilio(fake.url).send("+447700900123", "Hello")


def test_an_invalid_number_is_refused(fake):
    fake.script.append(error(400, 21614, "'To' number is not a valid mobile number"))
    with pytest.raises(sms.Refused) as raised:
        twilio(fake.url).send("+447700900123", "Hello")
    assert not isinstance(raised.value, sms.OptedOut)


@pytest.mark.parametrize(
    "answer",
    [error(500, 20500, "Internal Server Error"), error(503, 20503, "Service Unavailable")],
)
def test_twilio_s_own_failures_mean_try_later(fake, answer):
    fake.script.append(answer)
    with pytest.raises(sms.Unavailable):
        twilio(fake.url).send("+447700900123", "Hello")


def test_wrong_credentials_keep_the_text_for_later_and_say_so(fake):
    with pytest.raises(sms.Unavailable, match="20003"):
        twilio(fake.url, auth_token="not-the-token").send("+447700900123", "Hello")


def test_an_unreachable_provider_means_try_later(fake):
    url = fake.url
    fake.server.shutdown()
    fake.server.server_close()
    with pytest.raises(sms.Unavailable, match="could not be reached"):
        twilio(url, timeout=2).send("+447700900123", "Hello")


def test_the_signature_check_matches_twilio_s_documented_example():
    """Twilio's security docs: this URL, these parameters and auth token 12345."""
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+12349013030",
        "Digits": "1234",
        "From": "+12349013030",
        "To": "+18005551212",
    }
    backend = sms.TwilioBackend(account_sid="AC1", auth_token="12345", sender="+1", api="")
    assert backend.signed(url, params, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")
    assert not backend.signed(url, {**params, "Digits": "1235"}, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")
    assert not backend.signed(url, params, "")


def test_the_console_shows_each_text_with_its_segments():
    out = io.StringIO()
    sent = sms.ConsoleBackend(stream=out).send("+447700900123", "See you Tuesday")
    assert out.getvalue() == "-- Text to +447700900123 (1 segment) --\nSee you Tuesday\n\n"
    assert sent.segments == 1


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("€" * 80, 1),  # two of the 160 each
        ("€" * 81, 2),
        ("é" * 160, 1),  # in GSM's own alphabet
        ("á" * 70, 1),  # not in it: the whole text is UCS-2
        ("á" * 71, 2),
        ("a" * 100 + "🙂", 2),  # an emoji is two UCS-2 units
    ],
)
def test_segments_follow_gsm_7_and_ucs_2(text, count):
    assert sms.segments(text) == count


def test_sms_url_for_twilio_reads_its_parts():
    config = env.sms_config("twilio://AC123:tok%2Fen@api.twilio.com?from=%2B447700900123")
    assert config == {
        "BACKEND": "core.outbox.sms.TwilioBackend",
        "OPTIONS": {
            "account_sid": "AC123",
            "auth_token": "tok/en",
            "sender": "+447700900123",
            "api": "https://api.twilio.com",
            "timeout": 10,
        },
    }
    assert env.sms_config("") is None
    assert env.sms_config("console://") == {"BACKEND": "core.outbox.sms.ConsoleBackend"}


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("sms://x", "must be console://"),
        ("twilio://AC1:secret-token@api.twilio.com", "from= must be"),
        ("twilio://AC1:secret-token@api.twilio.com?from=447700", "from= must be"),
        ("twilio://XY1:secret-token@api.twilio.com?from=%2B447700900123", "starts with AC"),
        ("twilio://AC1@api.twilio.com?from=%2B447700900123", "starts with AC"),
    ],
)
def test_a_wrong_sms_url_stops_the_start_with_a_clear_message_and_no_token(url, says):
    with pytest.raises(env.SettingError, match=says) as raised:
        env.sms_config(url)
    assert "secret-token" not in str(raised.value)
