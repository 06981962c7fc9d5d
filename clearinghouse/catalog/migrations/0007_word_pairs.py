"""PostgreSQL: an index of adjacent word pairs, so a phrase is found without rechecking positions.

A phrase of common words ("sim swap") matches few measures, but the full-text index can only list the
measures having both words and recheck each one's positions, reading a large part of the table. Here
each measure's adjacent pairs ("sim swap", "swap fraud", …) are lexemes of a tsvector in a narrow table
with a GIN index, kept by a trigger on the search document. SQLite's FTS5 checks positions in its own
index and needs none of this.
"""

from django.db import migrations

POSTGRES_FORWARD = [
    """
    CREATE FUNCTION catalog_word_pairs(document text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT array_to_tsvector(coalesce(array_agg(DISTINCT first || ' ' || second), '{}'))
        FROM (
            SELECT word AS first, lead(word) OVER (ORDER BY position) AS second
            FROM unnest(string_to_array(document, ' ')) WITH ORDINALITY AS words(word, position)
        ) AS pairs
        WHERE second IS NOT NULL AND first <> '' AND second <> ''
    $$
    """,
    """
    CREATE TABLE catalog_measurewordpairs (
        measure_id bigint PRIMARY KEY REFERENCES catalog_measure (id) ON DELETE CASCADE,
        pairs tsvector NOT NULL
    )
    """,
    """
    CREATE FUNCTION catalog_word_pairs_sync() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO catalog_measurewordpairs (measure_id, pairs)
        VALUES (NEW.measure_id, catalog_word_pairs(NEW.text))
        ON CONFLICT (measure_id) DO UPDATE SET pairs = excluded.pairs;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER catalog_word_pairs_sync AFTER INSERT OR UPDATE OF text ON catalog_measuresearchdocument
    FOR EACH ROW EXECUTE FUNCTION catalog_word_pairs_sync()
    """,
    """
    INSERT INTO catalog_measurewordpairs (measure_id, pairs)
    SELECT measure_id, catalog_word_pairs(text) FROM catalog_measuresearchdocument
    """,
    "CREATE INDEX catalog_measurewordpairs_gin ON catalog_measurewordpairs USING gin (pairs)",
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS catalog_word_pairs_sync ON catalog_measuresearchdocument",
    "DROP FUNCTION IF EXISTS catalog_word_pairs_sync()",
    "DROP TABLE IF EXISTS catalog_measurewordpairs",
    "DROP FUNCTION IF EXISTS catalog_word_pairs(text)",
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
    dependencies = [("catalog", "0006_search_postings")]
    operations = [migrations.RunPython(forward, backward)]
