from django.db import migrations

from members.models import DEFAULT_AGREEMENT


def create_first_version(apps, schema_editor):
    Agreement = apps.get_model("members", "ConfidentialityAgreement")
    if not Agreement.objects.exists():
        Agreement.objects.create(version=1, text=DEFAULT_AGREEMENT)


class Migration(migrations.Migration):
    dependencies = [("members", "0004_organisation_settings_agreements")]
    operations = [migrations.RunPython(create_first_version, migrations.RunPython.noop)]
