"""The default pillars and threats get their names in the five other languages, and the threats their synonyms."""

from django.db import migrations

from clearinghouse.catalog.taxonomy import load_default_names


def forward(apps, schema_editor):
    load_default_names(
        apps.get_model("catalog", "Pillar"), apps.get_model("catalog", "Threat"), apps.get_model("catalog", "ThreatSynonym")
    )


class Migration(migrations.Migration):
    dependencies = [("catalog", "0015_taxonomy_in_six_languages")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
