import uuid

from django.db import migrations


def forward(apps, schema_editor):
    apps.get_model("catalog", "SearchState").objects.get_or_create(pk=1, defaults={"token": uuid.uuid4().hex})


class Migration(migrations.Migration):
    dependencies = [("catalog", "0004_search_state")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
