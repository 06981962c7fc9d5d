"""Fill the search words of the requests and offers written before search (``assistance.search``)."""

from django.db import migrations


def fill(apps, schema_editor):
    from clearinghouse.assistance import search

    for name in ("AssistanceRequest", "AssistanceOffer"):
        search.refresh_all(apps.get_model("assistance", name)._default_manager.all())


class Migration(migrations.Migration):
    dependencies = [
        ("assistance", "0002_translations_search_words"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
