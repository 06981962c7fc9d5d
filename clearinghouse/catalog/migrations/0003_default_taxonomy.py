"""The default threat taxonomy and the five pillars are reference data every instance needs."""

from django.db import migrations

from clearinghouse.catalog.taxonomy import load_default_taxonomy


def forward(apps, schema_editor):
    load_default_taxonomy(apps.get_model("catalog", "Pillar"), apps.get_model("catalog", "Threat"))


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_search_index")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
