"""Run against a restored database (tests/core/test_backup_restore.py): open a session page as its
facilitator, count signed notes and audit events, try to send. Prints one JSON line."""

import json
import os
import sys
import time

import django

sys.path.insert(0, os.getcwd())
django.setup()

from allauth.account.internal.flows.login import (  # noqa: E402
    _AUTHENTICATION_METHODS_USER_SESSION_KEY,
    AUTHENTICATION_METHODS_SESSION_KEY,
)
from django.test import Client  # noqa: E402

from core.models import AuditEvent  # noqa: E402
from core.outbox import delivery  # noqa: E402
from core.outbox.models import Notification  # noqa: E402
from members.models import User  # noqa: E402
from sessions.models import GroupNote  # noqa: E402

facilitator = User.objects.get(email=sys.argv[1])
note = GroupNote.objects.get(signed_at__isnull=False)
client = Client(SERVER_NAME="127.0.0.1")
client.force_login(facilitator)
session = client.session
session[AUTHENTICATION_METHODS_SESSION_KEY] = [{"method": "mfa", "at": time.time()}]
session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(facilitator.pk)
session.save()
page = client.get(f"/sessions/{note.session_id}/")
print(
    json.dumps(
        {
            "page": page.status_code,
            "note_on_page": note.free_text in page.content.decode(),
            "note": note.free_text,
            "signed": note.is_signed,
            "audit_events": AuditEvent.objects.count(),
            "sent_while_held": delivery.deliver_due(),
            "pending": Notification.objects.filter(state="pending").count(),
        }
    )
)
