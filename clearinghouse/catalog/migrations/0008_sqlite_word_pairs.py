"""SQLite: an FTS5 table of adjacent word pairs ("sim_swap"), so a two-word phrase is one index lookup.

FTS5 finds a phrase by walking the position lists of both words; for common words that reads most of
the index. Here each measure's pairs are single tokens (``detail=none``: presence only, a small index).
"""

from django.db import migrations

PAIRS_TABLE = "catalog_measure_pairs_fts"


def pairs_text(text: str) -> str:
    words = text.split()
    return " ".join(f"{a}_{b}" for a, b in zip(words, words[1:], strict=False))


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    schema_editor.execute(
        f"CREATE VIRTUAL TABLE {PAIRS_TABLE} USING fts5(pairs, tokenize = \"unicode61 remove_diacritics 0 "
        "tokenchars '_'\", detail = none)"
    )
    cursor = schema_editor.connection.cursor()
    last = 0
    while True:
        cursor.execute(
            "SELECT measure_id, text FROM catalog_measuresearchdocument WHERE measure_id > %s "
            "ORDER BY measure_id LIMIT 20000",
            [last],
        )
        rows = cursor.fetchall()
        if not rows:
            break
        cursor.executemany(
            f"INSERT INTO {PAIRS_TABLE}(rowid, pairs) VALUES (%s, %s)",  # noqa: S608
            [(pk, pairs_text(text)) for pk, text in rows],
        )
        last = rows[-1][0]


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"DROP TABLE IF EXISTS {PAIRS_TABLE}")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0007_word_pairs")]
    operations = [migrations.RunPython(forward, backward)]
