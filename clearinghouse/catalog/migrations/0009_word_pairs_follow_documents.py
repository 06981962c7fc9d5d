"""PostgreSQL: the word-pairs table follows the search documents by triggers alone.

Its foreign key to the measures stopped Django's flush (``TRUNCATE`` without ``CASCADE``) in tests that
empty the database; deleting or truncating search documents now deletes or truncates the pairs too.
"""

from django.db import migrations

POSTGRES_FORWARD = [
    "ALTER TABLE catalog_measurewordpairs DROP CONSTRAINT IF EXISTS catalog_measurewordpairs_measure_id_fkey",
    """
    CREATE FUNCTION catalog_word_pairs_forget() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'TRUNCATE' THEN
            TRUNCATE catalog_measurewordpairs;
        ELSE
            DELETE FROM catalog_measurewordpairs WHERE measure_id = OLD.measure_id;
        END IF;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER catalog_word_pairs_delete AFTER DELETE ON catalog_measuresearchdocument
    FOR EACH ROW EXECUTE FUNCTION catalog_word_pairs_forget()
    """,
    """
    CREATE TRIGGER catalog_word_pairs_truncate AFTER TRUNCATE ON catalog_measuresearchdocument
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_word_pairs_forget()
    """,
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS catalog_word_pairs_truncate ON catalog_measuresearchdocument",
    "DROP TRIGGER IF EXISTS catalog_word_pairs_delete ON catalog_measuresearchdocument",
    "DROP FUNCTION IF EXISTS catalog_word_pairs_forget()",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRES_FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRES_BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0008_sqlite_word_pairs")]
    operations = [migrations.RunPython(forward, backward)]
