"""A local stand-in for Twilio's Messages API, for the tests of core/outbox/sms.py.

It answers on loopback as Twilio's REST API (2010-04-01) documents: a form-encoded POST with
basic auth to /2010-04-01/Accounts/{AccountSid}/Messages.json, answered 201 with the Message
as JSON, or an error as JSON ({code, message, more_info, status}). Requests that break the
documented shape are answered as Twilio would (401 for bad credentials, 400 for a missing
field) and noted in `problems`, so a test can insist there were none. `script` queues answers
for the next requests (a rate limit, an unsubscribed recipient, a server error).
"""

import base64
import hmac
import json
import re
import threading
import urllib.error
import urllib.request
import uuid
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode

E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def twilio_signature(url: str, params: dict, auth_token: str) -> str:
    """As Twilio documents it (written here apart from core.outbox.sms, so each checks the other):
    the full URL, then each parameter's name and value in name order, HMAC-SHA1 with the auth
    token, base64."""
    data = url + "".join(f"{name}{params[name]}" for name in sorted(params))
    return base64.b64encode(hmac.new(auth_token.encode(), data.encode(), "sha1").digest()).decode()


def error(status: int, code: int, message: str) -> tuple[int, dict, dict]:
    body = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return status, body, {}


class FakeTwilio:
    """`hold_after=n`: the n-th message is taken (recorded in `accepted`) but its answer waits
    for release(), as when a worker dies after Twilio took a text and before it heard so."""

    def __init__(
        self,
        account_sid="AC" + "0" * 31 + "1",
        auth_token="fake-auth-token",
        hold_after: int | None = None,
    ):
        self.account_sid, self.auth_token = account_sid, auth_token
        self.received: list[dict] = []
        self.accepted: list[str] = []  # the To of each message answered 201
        self.sids: list[str] = []  # the id Twilio gave each of them, in the same order
        self.problems: list[str] = []
        self.script: list[tuple[int, dict, dict]] = []
        self.hold_after = hold_after
        self.holding, self._release = threading.Event(), threading.Event()
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length).decode()
                status, body, headers = fake.answer(self.path, dict(self.headers), raw)
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                pass  # a held answer to a worker that was killed meanwhile: nobody to tell

        self.server = Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The SMS_URL that points the Twilio backend here, sending from +447700900001."""
        host, port = self.server.server_address
        return (
            f"twilio+http://{self.account_sid}:{self.auth_token}@{host}:{port}?from=%2B447700900001"
        )

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.release()
        self.server.shutdown()
        self.server.server_close()

    def answer(self, path: str, headers: dict, raw: str) -> tuple[int, dict, dict]:
        expected_path = f"/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        credentials = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        form = {key: values[-1] for key, values in parse_qs(raw, keep_blank_values=True).items()}
        self.received.append({"path": path, "headers": headers, "form": form})
        if headers.get("Authorization") != f"Basic {credentials}":
            self.problems.append("not authenticated with the account SID and auth token")
            return error(401, 20003, "Authenticate")
        if path != expected_path:
            self.problems.append(f"posted to {path}, not {expected_path}")
            return error(404, 20404, "The requested resource was not found")
        if headers.get("Content-Type") != "application/x-www-form-urlencoded":
            self.problems.append(f"sent as {headers.get('Content-Type')}, not form-encoded")
        if not E164.match(form.get("To", "")):
            self.problems.append(f"To is not an E.164 number: {form.get('To')!r}")
            return error(
                400, 21211, f"The 'To' number {form.get('To')} is not a valid phone number."
            )
        if ("From" in form) == ("MessagingServiceSid" in form):
            self.problems.append("exactly one of From and MessagingServiceSid is needed")
            return error(400, 21603, "The 'From' phone number is required.")
        if not 0 < len(form.get("Body", "")) <= 1600:
            self.problems.append("Body missing or over 1,600 characters")
            return error(400, 21602, "Message body is required.")
        callback = form.get("StatusCallback")
        if callback is not None and not callback.startswith(("https://", "http://")):
            self.problems.append(f"StatusCallback is not an absolute URL: {callback!r}")
            return error(400, 21609, "Invalid StatusCallback")
        if self.script:
            return self.script.pop(0)
        message = self.message(form)
        with self._lock:
            self.accepted.append(form["To"])
            self.sids.append(message["sid"])
            count = len(self.accepted)
        if count == self.hold_after:
            self.holding.set()
            self._release.wait(60)
        return 201, message, {}

    def release(self) -> None:
        self._release.set()

    # Twilio calling us: a reply to one of our texts, and a delivery report, form-encoded and
    # signed in X-Twilio-Signature with the auth token, as Twilio's webhooks are.

    def reply(self, url: str, *, number: str, body: str, **extra) -> tuple[int, str, str]:
        sid = "SM" + uuid.uuid4().hex
        params = {"MessageSid": sid, "SmsSid": sid, "SmsMessageSid": sid}
        params |= {"AccountSid": self.account_sid, "From": number, "To": "+447700900001"}
        params |= {"Body": body, "NumMedia": "0", "NumSegments": "1", "ApiVersion": "2010-04-01"}
        return self.call(url, params | extra)

    def report(self, url: str, *, sid: str, status: str, error_code: str = ""):
        params = {"MessageSid": sid, "SmsSid": sid, "MessageStatus": status, "SmsStatus": status}
        params |= {"AccountSid": self.account_sid, "ApiVersion": "2010-04-01"}
        params |= {"From": "+447700900001", "To": "+447400123456"}
        if error_code:
            params["ErrorCode"] = error_code
        return self.call(url, params)

    def call(self, url: str, params: dict, signature: str | None = None) -> tuple[int, str, str]:
        """POST `params` to `url`, signed unless a `signature` is given; returns (status,
        content type, body)."""
        request = urllib.request.Request(
            url,
            data=urlencode(params).encode(),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": twilio_signature(url, params, self.auth_token)
                if signature is None
                else signature,
                "User-Agent": "TwilioProxy/1.1",
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return (
                    response.status,
                    response.headers.get("Content-Type", ""),
                    response.read().decode(),
                )
        except urllib.error.HTTPError as failure:
            return failure.code, failure.headers.get("Content-Type", ""), failure.read().decode()

    def message(self, form: dict) -> dict:
        sid = "SM" + uuid.uuid4().hex
        return {
            "sid": sid,
            "account_sid": self.account_sid,
            "to": form["To"],
            "from": form.get("From"),
            "messaging_service_sid": form.get("MessagingServiceSid"),
            "body": form["Body"],
            "status": "queued",
            "num_segments": "1" if len(form["Body"]) <= 160 else "2",
            "direction": "outbound-api",
            "date_created": formatdate(usegmt=True),
            "error_code": None,
            "error_message": None,
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
        }
