"""File every measure under its words' other forms (stems per language, Chinese words), issue 12."""

import uuid

from django.db import migrations


def rebuild_postings(apps, schema_editor):
    from clearinghouse.catalog.search import postings

    postings.rebuild(
        apps.get_model("catalog", "Measure"),
        apps.get_model("catalog", "MeasureSearchDocument"),
        apps.get_model("catalog", "MeasureTranslation"),
    )
    # every process drops the sets it cached from the postings as they were
    apps.get_model("catalog", "SearchState").objects.filter(pk=1).update(token=uuid.uuid4().hex, stamp=uuid.uuid4().hex)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0013_translation_provenance_and_outdated")]

    operations = [migrations.RunPython(rebuild_postings, migrations.RunPython.noop)]
