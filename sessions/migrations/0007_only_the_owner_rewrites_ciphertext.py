import importlib

from django.db import migrations

# The ciphertext of a signed note may be rewritten (key rotation) only by the role that owns
# the table: the app role cannot lift the lock, whatever it sets in its session.
OWNER_ONLY = """
CREATE OR REPLACE FUNCTION together_rewriting_ciphertext(relid oid) RETURNS boolean AS $$
    SELECT current_setting('together.rewriting_ciphertext', true) = 'on'
       AND current_user = (SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = relid);
$$ LANGUAGE sql STABLE;

CREATE OR REPLACE FUNCTION together_refuse_signed_note_change() RETURNS trigger AS $$
DECLARE
    may_change text[] := ARRAY['updated_at'];
BEGIN
    IF TG_OP = 'DELETE' AND OLD.signed_at IS NOT NULL THEN
        RAISE EXCEPTION 'signed notes cannot be deleted'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF public.together_rewriting_ciphertext(TG_RELID) THEN
        may_change := may_change || TG_ARGV;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.signed_at IS NOT NULL AND (
        to_jsonb(NEW) - may_change IS DISTINCT FROM to_jsonb(OLD) - may_change
    ) THEN
        RAISE EXCEPTION 'signed notes cannot change; add an addendum'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN COALESCE(NEW, OLD);
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION together_refuse_addendum_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND public.together_rewriting_ciphertext(TG_RELID)
        AND to_jsonb(NEW) - TG_ARGV = to_jsonb(OLD) - TG_ARGV THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'addenda cannot change or be deleted'
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""

_previous = importlib.import_module("sessions.migrations.0005_encrypt_clinical_text")
ANY_ROLE = _previous.TRIGGERS.split("DROP TRIGGER")[0] + "DROP FUNCTION together_rewriting_ciphertext(oid);"


class Migration(migrations.Migration):
    dependencies = [("group_sessions", "0006_composite_indexes_cover_foreign_keys")]
    operations = [migrations.RunSQL(OWNER_ONLY, ANY_ROLE)]
