from django.db import migrations


def create_organisation(apps, schema_editor):
    apps.get_model("members", "Organisation").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("members", "0001_initial")]
    operations = [migrations.RunPython(create_organisation, migrations.RunPython.noop)]
