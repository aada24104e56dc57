"""A template version and its modules are never changed once written (editing makes a new
version): the database refuses an UPDATE, whatever the code does."""

from django.db import migrations

SQL = """
CREATE FUNCTION programmes_version_is_written() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'a programme template version is never changed: save a new version'
        USING ERRCODE = 'check_violation';
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER version_never_changes BEFORE UPDATE ON programmes_templateversion
    FOR EACH ROW EXECUTE FUNCTION programmes_version_is_written();
CREATE TRIGGER module_never_changes BEFORE UPDATE ON programmes_module
    FOR EACH ROW EXECUTE FUNCTION programmes_version_is_written();
"""

REVERSE = """
DROP TRIGGER module_never_changes ON programmes_module;
DROP TRIGGER version_never_changes ON programmes_templateversion;
DROP FUNCTION programmes_version_is_written();
"""


class Migration(migrations.Migration):
    dependencies = [("programmes", "0001_initial")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
