from django.db import migrations


class Migration(migrations.Migration):
    """A person's contact details grow into the clinic's record of them (one record)."""

    dependencies = [("members", "0036_authenticator_deletes_are_audited")]

    operations = [migrations.RenameModel("ContactDetails", "PersonRecord")]
