import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def move_live_sessions(apps, schema_editor):
    """Live sessions move to the new table with their person's id, so nobody is signed out."""
    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from members.sessions import person_id

    Old = apps.get_model("sessions", "Session")
    New = apps.get_model("members", "Session")
    User = apps.get_model("members", "User")
    store = SessionStore()
    live = Old.objects.filter(expire_date__gt=timezone.now())
    people = set(User.objects.values_list("pk", flat=True))
    moved = []
    for old in live.iterator():
        pk = person_id(store.decode(old.session_data).get(SESSION_KEY))
        moved.append(
            New(
                session_key=old.session_key,
                session_data=old.session_data,
                expire_date=old.expire_date,
                user_id=pk if pk in people else None,
            )
        )
    New.objects.bulk_create(moved, batch_size=1000)
    Old.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0025_contact_details"),
        ("sessions", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="Session",
            fields=[
                (
                    "session_key",
                    models.CharField(
                        max_length=40, primary_key=True, serialize=False, verbose_name="session key"
                    ),
                ),
                ("session_data", models.TextField(verbose_name="session data")),
                ("expire_date", models.DateTimeField(db_index=True, verbose_name="expire date")),
                (
                    "user",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="browser_sessions",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "session",
                "verbose_name_plural": "sessions",
                "abstract": False,
            },
        ),
        migrations.RunPython(move_live_sessions, migrations.RunPython.noop),
    ]
