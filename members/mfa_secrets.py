"""TOTP secrets and recovery-code seeds, encrypted at rest with FIELD_ENCRYPTION_KEYS.

allauth keeps them in `mfa_authenticator.data` (JSON) and passes each one through its MFA
adapter's `encrypt`/`decrypt` hooks. With them in plaintext, a copy of the database and a
password reset would be enough to take over a clinician's account.
"""

from collections.abc import Callable

from allauth.mfa.adapter import DefaultMFAAdapter

from core import encryption


class EncryptingMFAAdapter(DefaultMFAAdapter):
    def encrypt(self, text: str) -> str:
        return encryption.encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return encryption.decrypt(encrypted_text)


def rewrite(authenticator_model, change: Callable[[str], str]) -> int:
    """Apply `change` to every secret an authenticator row holds; returns how many changed.
    Used by the migration that encrypted them and by key rotation."""
    changed = 0
    for authenticator in authenticator_model.objects.select_for_update().order_by("pk"):
        data = dict(authenticator.data)
        for key in ("secret", "seed"):
            if data.get(key):
                data[key] = change(data[key])
        if data.get("migrated_codes"):
            data["migrated_codes"] = [change(code) for code in data["migrated_codes"]]
        if data != authenticator.data:
            changed += 1
            authenticator.data = data
            authenticator.save(update_fields=["data"])
    return changed
