"""What the text provider posts back to us: replies to our texts, and delivery reports.

Both come as Twilio documents them (a form POST, signed in X-Twilio-Signature over the address
Twilio called and every parameter; the development backends sign the same way with a key of
their own: core/outbox/sms.py). Anything unsigned is refused with 403 before it is read. A reply is
never answered with a text (the empty TwiML response): STOP and START act, the rest is ignored.
Neither the number nor what it said is logged.
"""

import logging
import re
from functools import wraps

from django.conf import settings
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from core.outbox import delivery, sms
from members import text_numbers
from members.access import public

log = logging.getLogger(__name__)
E164 = re.compile(r"\+[1-9][0-9]{6,14}")
SID = re.compile(r"[A-Za-z0-9_-]{2,64}")  # Twilio's are two letters and 32 hex digits
NOTHING = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
OPTED_OUT = "21610"  # Twilio's "Attempt to send to unsubscribed recipient"


def from_the_provider(view):
    """A reply address the text provider calls: only what it signed is read, and the view
    gets the parameters."""

    @public
    @csrf_exempt
    @require_POST
    @wraps(view)
    def checked(request):
        provider = sms.provider()
        params = request.POST.dict()
        url = settings.SITE_URL + request.get_full_path()  # the address the provider called
        signature = request.headers.get("X-Twilio-Signature", "")
        if provider is None or not provider.signed(url, params, signature):
            return HttpResponseForbidden("Not signed by the text provider.")
        if not SID.fullmatch(params.get("MessageSid", "")):
            return HttpResponseBadRequest("MessageSid must be the provider's message id.")
        if any("\x00" in value for value in params.values()):
            return HttpResponseBadRequest("No parameter may hold a NUL character.")
        return view(request, params)

    return checked


@from_the_provider
def text_reply(request, params):
    number = params.get("From", "")
    if not E164.fullmatch(number):
        return HttpResponseBadRequest("From must be a number in E.164.")
    done = text_numbers.reply_received(
        message_sid=params["MessageSid"],
        number=number,
        body=params.get("Body", ""),
        opt_out_type=params.get("OptOutType", ""),
    )
    log.info("text reply received: %s", done or "nothing to do")
    return HttpResponse(NOTHING, content_type="text/xml")


@from_the_provider
def text_status(request, params):
    named = request.GET.get("n", "")  # the row our callback address names
    row = delivery.record_report(
        params["MessageSid"],
        params.get("MessageStatus", ""),
        row_id=int(named) if named.isascii() and named.isdigit() and len(named) < 19 else None,
    )
    if row is not None and params.get("ErrorCode") == OPTED_OUT:
        text_numbers.provider_says_stopped(row)
    return HttpResponse(status=204)
