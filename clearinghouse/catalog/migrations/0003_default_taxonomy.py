"""The default threat taxonomy and the five pillars are reference data every instance needs."""

from django.db import migrations

from clearinghouse.catalog.taxonomy import PILLARS, THREATS


def forward(apps, schema_editor):
    Pillar = apps.get_model("catalog", "Pillar")
    Threat = apps.get_model("catalog", "Threat")
    for position, (slug, name) in enumerate(PILLARS):
        Pillar.objects.get_or_create(slug=slug, defaults={"name_en": name, "position": position})
    position = 0
    for slug, name, references, children in THREATS:
        family, _ = Threat.objects.get_or_create(
            slug=slug, defaults={"name_en": name, "references": references, "position": position}
        )
        position += 1
        for child_slug, child_name, child_references in children:
            Threat.objects.get_or_create(
                slug=child_slug,
                defaults={"name_en": child_name, "references": child_references, "parent": family, "position": position},
            )
            position += 1


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_search_index")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
