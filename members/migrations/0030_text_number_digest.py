from django.db import migrations, models


def digest_numbers(apps, schema_editor):
    """Numbers saved before the digest existed get theirs (the same HMAC the model uses)."""
    from members.models import TextNumber as Current

    TextNumber = apps.get_model("members", "TextNumber")
    for found in TextNumber.objects.all():
        found.number_digest = Current.digest(found.number)
        found.save(update_fields=["number_digest"])


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0029_quiet_hours"),
    ]

    operations = [
        migrations.AddField(
            model_name="textnumber",
            name="number_digest",
            field=models.CharField(db_index=True, default="", editable=False, max_length=64),
        ),
        migrations.RunPython(digest_numbers, migrations.RunPython.noop),
    ]
