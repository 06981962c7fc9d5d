"""The search index: an FTS5 table on SQLite, a generated tsvector with a GIN index on PostgreSQL."""

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE catalog_measure_fts USING fts5(text, tokenize = 'unicode61 remove_diacritics 2')",
]
SQLITE_BACKWARD = ["DROP TABLE IF EXISTS catalog_measure_fts"]
POSTGRES_FORWARD = [
    "ALTER TABLE catalog_measuresearchdocument ADD COLUMN document tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple', text)) STORED",
    "CREATE INDEX catalog_measuresearchdocument_document_gin ON catalog_measuresearchdocument USING gin (document)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS catalog_measuresearchdocument_document_gin",
    "ALTER TABLE catalog_measuresearchdocument DROP COLUMN IF EXISTS document",
]


def forward(apps, schema_editor):
    statements = {"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}.get(schema_editor.connection.vendor, [])
    for statement in statements:
        schema_editor.execute(statement)


def backward(apps, schema_editor):
    statements = {"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}.get(schema_editor.connection.vendor, [])
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
