from django.db import migrations

# Defence in depth: the services refuse to edit a signed note, and so does PostgreSQL, for any
# client. A signed note's text and signature never change; an addendum never changes at all.
NOTE_TRIGGER = """
CREATE OR REPLACE FUNCTION together_refuse_signed_note_change() RETURNS trigger AS $$
BEGIN
    IF OLD.signed_at IS NOT NULL AND (
        to_jsonb(NEW) - 'updated_at' IS DISTINCT FROM to_jsonb(OLD) - 'updated_at'
    ) THEN
        RAISE EXCEPTION 'signed notes cannot change; add an addendum'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' AND OLD.signed_at IS NOT NULL THEN
        RAISE EXCEPTION 'signed notes cannot be deleted'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN COALESCE(NEW, OLD);
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION together_refuse_addendum_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'addenda cannot change or be deleted'
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER group_note_signed_is_final BEFORE UPDATE OR DELETE ON group_sessions_groupnote
    FOR EACH ROW EXECUTE FUNCTION together_refuse_signed_note_change();
CREATE TRIGGER individual_note_signed_is_final BEFORE UPDATE OR DELETE ON group_sessions_individualnote
    FOR EACH ROW EXECUTE FUNCTION together_refuse_signed_note_change();
CREATE TRIGGER addendum_is_final BEFORE UPDATE OR DELETE ON group_sessions_addendum
    FOR EACH ROW EXECUTE FUNCTION together_refuse_addendum_change();
"""

DROP = """
DROP TRIGGER IF EXISTS group_note_signed_is_final ON group_sessions_groupnote;
DROP TRIGGER IF EXISTS individual_note_signed_is_final ON group_sessions_individualnote;
DROP TRIGGER IF EXISTS addendum_is_final ON group_sessions_addendum;
DROP FUNCTION IF EXISTS together_refuse_signed_note_change();
DROP FUNCTION IF EXISTS together_refuse_addendum_change();
"""


class Migration(migrations.Migration):
    dependencies = [("group_sessions", "0002_initial")]
    operations = [migrations.RunSQL(NOTE_TRIGGER, DROP)]
