"""Development: reply to our texts as a phone would, through the running app's reply address.

    python manage.py reply_text "07400 123456" STOP

With SMS_URL=console:// (what `make run` uses) there is no phone to reply from: this posts the
reply the way Twilio would (signed with the development key) to SITE_URL's /texts/replies/,
so STOP and START can be tried end to end. With a real provider, reply from the phone.
"""

import urllib.error
import urllib.request
import uuid
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from core.outbox import sms
from members import text_numbers


class Command(BaseCommand):
    help = "Development: reply to our texts (STOP, START) as a phone would, via the webhook."

    def add_arguments(self, parser):
        parser.add_argument("number", help="the phone the reply comes from")
        parser.add_argument("words", nargs="+", help="what the reply says, such as STOP")

    def handle(self, *, number, words, **options):
        provider = sms.provider()
        if not isinstance(provider, sms.DevelopmentReplies):
            raise CommandError(
                "Only for SMS_URL=console:// or locmem://. With a real provider, reply from "
                "the phone."
            )
        try:
            number = text_numbers.normalised(number)
        except ValidationError as error:
            raise CommandError(error.messages[0]) from error
        url = settings.SITE_URL + reverse("text_reply")
        sid = "SM" + uuid.uuid4().hex
        params = {"MessageSid": sid, "AccountSid": "AC" + "0" * 32, "From": number}
        params |= {"To": "+447700900000", "Body": " ".join(words)}
        request = urllib.request.Request(  # noqa: S310 (SITE_URL is ours)
            url,
            data=urlencode(params).encode(),
            headers={"X-Twilio-Signature": provider.sign(url, params)},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        except OSError as error:
            raise CommandError(f"Together is not answering at {url}: is `make run` on?") from error
        if status != 200:
            raise CommandError(f"{url} answered {status}.")
        self.stdout.write(f"Replied {params['Body']!r} from {text_numbers.shown(number)}.")
