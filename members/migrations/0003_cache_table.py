from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    # The cache (rate limits, used TOTP codes) lives in PostgreSQL: see CACHES in settings.
    # Creating its table here means no deployment can forget `createcachetable`.
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("members", "0002_organisation_row")]
    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
