from django.db import migrations

# A follow-up is closed, never deleted, by any role: it is the record that someone at risk was
# reached (or could not be).
NEVER_DELETED = """
CREATE FUNCTION together_refuse_follow_up_delete() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'follow-ups are closed, never deleted'
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER follow_ups_are_never_deleted
    BEFORE DELETE ON measures_followup
    FOR EACH ROW EXECUTE FUNCTION together_refuse_follow_up_delete();
"""
UNDO = """
DROP TRIGGER follow_ups_are_never_deleted ON measures_followup;
DROP FUNCTION together_refuse_follow_up_delete();
"""


class Migration(migrations.Migration):
    dependencies = [("measures", "0008_follow_up_opened_on_the_database_clock")]
    operations = [migrations.RunSQL(NEVER_DELETED, UNDO)]
