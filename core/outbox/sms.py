"""Text messages (SMS): one small interface, with the provider chosen by SMS_URL, as EMAIL_URL
chooses the mail server (config/env.py reads the URL; README, "Text messages", documents it).

A provider is a class built with the URL's options and answering one call:

    send(to, body, *, status_callback="") -> Sent

`to` is an E.164 number ("+447700900123"). It returns what the provider said (its id for the
message and the segments it will charge), or raises `Unavailable` (nothing was sent; try again
later: the provider is down or rate-limiting us), `MaybeSent` (the request reached the
provider but its answer did not come back: the text may have gone) or `Refused` (this text to
this number will never go: the number is invalid, or `OptedOut`, it replied STOP). A provider
also checks the signature on what it posts back to us, replies and delivery reports:

    signed(url, params, signature) -> bool

Both come as Twilio's do (members/text_replies.py): a form POST with X-Twilio-Signature.

Bundled: console:// (prints each text: development), locmem:// (keeps them in `sent`: tests)
and Twilio's REST API.
"""

import base64
import hashlib
import hmac
import http.client
import json
import sys
import urllib.parse
from dataclasses import dataclass

from django.conf import settings
from django.utils.crypto import salted_hmac
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Sent:
    provider_id: str
    segments: int


class Unavailable(Exception):
    """Nothing was sent; the same text may be tried again later."""

    def __init__(self, message: str, *, retry_after: int | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class MaybeSent(Exception):
    """The request was written to the provider but no answer came (a read timeout, a dropped
    connection): the provider may have taken the text. Never treat it as "nothing sent"."""


class Refused(Exception):
    """This text to this number will never be accepted: do not try again."""


class OptedOut(Refused):
    """The number replied STOP (at the provider or to us): nothing more goes to it."""


def provider():
    """The provider SMS_URL names, or None when texts are off (no SMS_URL)."""
    config = settings.SMS
    if config is None:
        return None
    return import_string(config["BACKEND"])(**config.get("OPTIONS", {}))


# GSM 03.38: a text in these characters takes 160 to a segment (153 each when split); any
# other character makes the whole text UCS-2, 70 to a segment (67 each when split).
GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = set("^{}\\[~]|€\f")  # each takes two of the 160


# Characters outside GSM-7 with a GSM-7 look-alike (as providers' "smart encoding" does): one
# "ó" would make a whole Spanish text UCS-2, 70 characters to a segment instead of 160.
LOOK_ALIKES = str.maketrans(
    {
        "á": "a",
        "í": "i",
        "ó": "o",
        "ú": "u",
        "Á": "A",
        "Í": "I",
        "Ó": "O",
        "Ú": "U",
        "ê": "e",
        "â": "a",
        "ô": "o",
        "ç": "Ç",
        "“": '"',
        "”": '"',
        "«": '"',
        "»": '"',
        "\u2018": "'",
        "\u2019": "'",
        "\u2013": "-",
        "—": "-",
        "…": "...",
        "\u00a0": " ",
    }
)


def fit(text: str) -> str:
    """`text` in GSM-7 where look-alikes allow, so it costs as few segments as it can."""
    fitted = text.translate(LOOK_ALIKES)
    return fitted if segments(fitted) < segments(text) else text


def segments(text: str) -> int:
    """How many SMS segments `text` costs."""
    if all(c in GSM_BASIC or c in GSM_EXTENDED for c in text):
        units, single, part = sum(2 if c in GSM_EXTENDED else 1 for c in text), 160, 153
    else:
        units, single, part = len(text.encode("utf-16-le")) // 2, 70, 67
    return 1 if units <= single else -(-units // part)


class DevelopmentReplies:
    """Replies to the development backends come the way Twilio's do (a form POST signed in
    X-Twilio-Signature), signed with a key derived from SECRET_KEY instead of an auth token:
    `manage.py reply_text` signs them, so STOP can be tried end to end without a phone."""

    @staticmethod
    def key() -> str:
        return salted_hmac("together.sms.development", "replies", algorithm="sha256").hexdigest()

    def sign(self, url: str, params: dict[str, str]) -> str:
        return sign(url, params, self.key())

    def signed(self, url: str, params: dict[str, str], signature: str) -> bool:
        return hmac.compare_digest(self.sign(url, params), signature or "")


class ConsoleBackend(DevelopmentReplies):
    """Development: each text printed where `make run` shows its output."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout

    def send(self, to: str, body: str, *, status_callback: str = "") -> Sent:
        count = segments(body)
        self.stream.write(f"-- Text to {to} ({count} segment{'s' if count > 1 else ''}) --\n")
        self.stream.write(f"{body}\n\n")
        self.stream.flush()
        return Sent(provider_id="", segments=count)


class LocmemBackend(DevelopmentReplies):
    """Tests: each text kept in `LocmemBackend.sent`, as (to, body) pairs."""

    sent: list[tuple[str, str]] = []

    def send(self, to: str, body: str, *, status_callback: str = "") -> Sent:
        LocmemBackend.sent.append((to, body))
        return Sent(provider_id=f"local-{len(LocmemBackend.sent)}", segments=segments(body))


class TwilioBackend:
    """Twilio's Programmable Messaging REST API (2010-04-01), by form-encoded POST with basic
    auth. `sender` is the sending number (E.164) or a Messaging Service's SID (MG...)."""

    OPTED_OUT = {21610}  # "Attempt to send to unsubscribed recipient"
    RATE_LIMITED = 20429

    def __init__(self, *, account_sid: str, auth_token: str, sender: str, api: str, timeout=10):
        self.account_sid, self.auth_token = account_sid, auth_token
        self.sender, self.api, self.timeout = sender, api.rstrip("/"), timeout

    def send(self, to: str, body: str, *, status_callback: str = "") -> Sent:
        fields = {"To": to, "Body": body}
        fields["MessagingServiceSid" if self.sender.startswith("MG") else "From"] = self.sender
        if status_callback:
            fields["StatusCallback"] = status_callback
        api = urllib.parse.urlsplit(self.api)
        connection = (
            http.client.HTTPSConnection if api.scheme == "https" else http.client.HTTPConnection
        )(api.hostname, api.port, timeout=self.timeout)
        credentials = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        try:
            try:  # nothing has reached Twilio until the request is written
                connection.request(
                    "POST",
                    f"/2010-04-01/Accounts/{self.account_sid}/Messages.json",
                    body=urllib.parse.urlencode(fields),
                    headers={
                        "Authorization": f"Basic {credentials}",
                        "Content-Type": "application/x-www-form-urlencoded",
                        "Accept": "application/json",
                    },
                )
            except OSError as error:
                raise Unavailable(f"Twilio could not be reached: {error}") from error
            try:
                response = connection.getresponse()
                raw = response.read()
            except (OSError, http.client.HTTPException) as error:
                raise MaybeSent(f"Twilio did not answer: {error}") from error
        finally:
            connection.close()
        if response.status >= 400:
            raise self._failure(response.status, response.reason, response.headers, raw)
        try:
            answer = json.loads(raw or b"{}")
        except ValueError as error:  # it answered, but not with its JSON: it took the text
            raise MaybeSent(f"Twilio's answer was not JSON: {error}") from error
        return Sent(
            provider_id=str(answer.get("sid", "")),
            segments=int(answer.get("num_segments") or 0) or segments(body),
        )

    def _failure(self, status: int, reason: str, headers, raw: bytes) -> Exception:
        try:
            answer = json.loads(raw or b"{}")
        except ValueError:
            answer = {}
        code, message = answer.get("code"), answer.get("message") or reason
        said = f"Twilio {status}" + (f" (error {code})" if code else "") + f": {message}"
        if status == 429 or code == self.RATE_LIMITED:
            retry_after = headers.get("Retry-After", "")
            return Unavailable(
                said, retry_after=int(retry_after) if retry_after.isdigit() else None
            )
        if code in self.OPTED_OUT:
            return OptedOut(said)
        if status == 400:  # the request itself: an invalid or unreachable number, say
            return Refused(said)
        return Unavailable(said)  # our credentials or Twilio's side: nothing is lost by waiting

    def signed(self, url: str, params: dict[str, str], signature: str) -> bool:
        """Whether a request Twilio posted to `url` (exactly as Twilio called it) with form
        `params` carries Twilio's signature: X-Twilio-Signature, HMAC-SHA1 of the URL followed by
        each parameter's name and value in name order, keyed with the auth token, base64."""
        return hmac.compare_digest(sign(url, params, self.auth_token), signature or "")


def sign(url: str, params: dict[str, str], auth_token: str) -> str:
    text = url + "".join(name + params[name] for name in sorted(params))
    digest = hmac.new(auth_token.encode(), text.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()
