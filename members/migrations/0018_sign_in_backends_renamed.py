from django.db import migrations

RENAMED = {
    "django.contrib.auth.backends.ModelBackend": "members.auth_backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend": "members.auth_backends.AccountBackend",
}


def rename_in_live_sessions(apps, schema_editor):
    """Sessions name the backend that signed the person in; a name no longer in
    AUTHENTICATION_BACKENDS would sign everyone out at this deploy."""
    from django.contrib.auth import BACKEND_SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    Session = apps.get_model("sessions", "Session")
    store = SessionStore()
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        data = store.decode(session.session_data)  # {} when it cannot be read
        if data.get(BACKEND_SESSION_KEY) in RENAMED:
            data[BACKEND_SESSION_KEY] = RENAMED[data[BACKEND_SESSION_KEY]]
            session.session_data = store.encode(data)
            session.save(update_fields=["session_data"])


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0017_audit_and_outbox_moved_to_core"),
        ("sessions", "0001_initial"),
    ]

    operations = [migrations.RunPython(rename_in_live_sessions, migrations.RunPython.noop)]
