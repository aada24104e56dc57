from django.db import migrations

# Removing a second step (an authenticator app or recovery codes) is a change to who can sign in
# as whom: the database writes it to the audit trail itself, in the same transaction, whichever
# code path deletes the row, so the app role cannot remove one unrecorded.
AUDITED = """
CREATE FUNCTION together_audit_authenticator_delete() RETURNS trigger AS $$
BEGIN
    INSERT INTO members_auditevent
        (occurred_at, action, object_type, object_id, participant_id, request_id, detail)
    VALUES
        (clock_timestamp(), 'delete', 'mfa.authenticator', OLD.id, OLD.user_id, '',
         jsonb_build_object('type', OLD.type, 'via', 'database'));
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER authenticator_deletes_are_audited
    AFTER DELETE ON mfa_authenticator
    FOR EACH ROW EXECUTE FUNCTION together_audit_authenticator_delete();
"""
UNDO = """
DROP TRIGGER authenticator_deletes_are_audited ON mfa_authenticator;
DROP FUNCTION together_audit_authenticator_delete();
"""


class Migration(migrations.Migration):
    dependencies = [("members", "0035_text_replies_once"), ("mfa", "0003_authenticator_type_uniq")]
    operations = [migrations.RunSQL(AUDITED, UNDO)]
