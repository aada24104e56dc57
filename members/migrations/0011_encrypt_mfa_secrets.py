from django.db import migrations, transaction

from core import encryption
from members import mfa_secrets


def encrypt_secrets(apps, schema_editor):
    with transaction.atomic():
        mfa_secrets.rewrite(apps.get_model("mfa", "Authenticator"), encryption.encrypt_if_plain)


def decrypt_secrets(apps, schema_editor):
    with transaction.atomic():
        mfa_secrets.rewrite(
            apps.get_model("mfa", "Authenticator"), encryption.decrypt_if_encrypted
        )


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0010_audit_account_index"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]
    operations = [migrations.RunPython(encrypt_secrets, decrypt_secrets)]
