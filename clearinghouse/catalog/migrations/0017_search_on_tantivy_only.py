"""Search runs on the Tantivy index alone: the database's own full-text structures go.

Nothing has read them since the search step moved to Tantivy (issue 12); they were still written on every
change to a measure. Gone:

- SQLite: the FTS5 table ``catalog_measure_fts`` (migration 0002) and the word-pairs FTS5 table
  ``catalog_measure_pairs_fts`` (0008).
- PostgreSQL: the ``document`` tsvector column of ``catalog_measuresearchdocument`` and its GIN index
  (0002); the word-pairs table ``catalog_measurewordpairs``, its GIN index, its triggers and functions
  (0007, 0009).
- Both: the word terms of ``catalog_searchposting`` (0006, 0014). The facet terms (``#name=value``) stay:
  the reports' and country statistics' counts read them.

The search documents (``text`` and ``facets``) stay: the Tantivy index is built from them. Reversing this
migration re-creates every structure and fills it again from the search documents, as 0002–0009 and 0014
did (at a million measures, tens of minutes).
"""

from django.db import migrations

FTS_TABLE = "catalog_measure_fts"
PAIRS_TABLE = "catalog_measure_pairs_fts"
POSTINGS_TABLE = "catalog_searchposting"
#: Facet terms are "#name=value": every other term of the postings is a word or a word's form.
FACET_TERMS = (b"#", b"#\xff")
#: Words longer than this were filed under their first bytes (as ``postings.word_term`` did).
MAX_TERM_BYTES = 120
BATCH = 20000

SQLITE_FORWARD = [f"DROP TABLE IF EXISTS {FTS_TABLE}", f"DROP TABLE IF EXISTS {PAIRS_TABLE}"]
SQLITE_BACKWARD = [
    f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(text, tokenize = 'unicode61 remove_diacritics 2')",
    f"CREATE VIRTUAL TABLE {PAIRS_TABLE} USING fts5(pairs, tokenize = \"unicode61 remove_diacritics 0 "
    "tokenchars '_'\", detail = none)",
]

POSTGRES_FORWARD = [
    "DROP TRIGGER IF EXISTS catalog_word_pairs_truncate ON catalog_measuresearchdocument",
    "DROP TRIGGER IF EXISTS catalog_word_pairs_delete ON catalog_measuresearchdocument",
    "DROP TRIGGER IF EXISTS catalog_word_pairs_sync ON catalog_measuresearchdocument",
    "DROP FUNCTION IF EXISTS catalog_word_pairs_forget()",
    "DROP FUNCTION IF EXISTS catalog_word_pairs_sync()",
    "DROP TABLE IF EXISTS catalog_measurewordpairs",
    "DROP FUNCTION IF EXISTS catalog_word_pairs(text)",
    "DROP INDEX IF EXISTS catalog_measuresearchdocument_document_gin",
    "ALTER TABLE catalog_measuresearchdocument DROP COLUMN IF EXISTS document",
]
POSTGRES_BACKWARD = [
    # 0002: the generated tsvector fills itself from ``text``
    "ALTER TABLE catalog_measuresearchdocument ADD COLUMN document tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple', text)) STORED",
    "CREATE INDEX catalog_measuresearchdocument_document_gin ON catalog_measuresearchdocument USING gin (document)",
    # 0007, with the foreign key 0009 dropped
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
    "CREATE TABLE catalog_measurewordpairs (measure_id bigint PRIMARY KEY, pairs tsvector NOT NULL)",
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
    # 0009
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


def pairs_text(text: str) -> str:
    words = text.split()
    return " ".join(f"{a}_{b}" for a, b in zip(words, words[1:], strict=False))


def word_terms(text: str) -> set[bytes]:
    """The word terms a search document was filed under: its words and their other forms."""
    from clearinghouse.catalog.search import analysis

    words = text.split()
    return {term.encode()[:MAX_TERM_BYTES] for term in {*words, *analysis.document_forms(words)}}


def documents(cursor):
    """Every search document's ``(measure_id, text)``, in batches."""
    last = 0
    while True:
        cursor.execute(
            "SELECT measure_id, text FROM catalog_measuresearchdocument WHERE measure_id > %s "
            "ORDER BY measure_id LIMIT %s",
            [last, BATCH],
        )
        rows = cursor.fetchall()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in {"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}.get(vendor, []):
        schema_editor.execute(statement)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {POSTINGS_TABLE} WHERE term < %s OR term >= %s", list(FACET_TERMS))  # noqa: S608


def backward(apps, schema_editor):
    from clearinghouse.catalog.search import postings

    vendor = schema_editor.connection.vendor
    for statement in {"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}.get(vendor, []):
        schema_editor.execute(statement)
    with schema_editor.connection.cursor() as cursor:
        for rows in documents(cursor):
            if vendor == "sqlite":
                cursor.executemany(f"INSERT INTO {FTS_TABLE}(rowid, text) VALUES (%s, %s)", rows)  # noqa: S608
                cursor.executemany(
                    f"INSERT INTO {PAIRS_TABLE}(rowid, pairs) VALUES (%s, %s)",  # noqa: S608
                    [(pk, pairs_text(text)) for pk, text in rows],
                )
            # beside the facet terms, which stayed
            postings.add_many((pk, word_terms(text)) for pk, text in rows)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0016_taxonomy_names_and_synonyms")]
    operations = [migrations.RunPython(forward, backward)]
