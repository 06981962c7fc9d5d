# The public page cache's version stamp; its triggers are installed after every migrate (pagecache).

import uuid

from django.db import migrations, models


def create_row(apps, schema_editor):
    apps.get_model("core", "ContentVersion").objects.using(schema_editor.connection.alias).get_or_create(
        pk=1, defaults={"stamp": uuid.uuid4().hex}
    )


def drop_triggers(apps, schema_editor):
    from clearinghouse.core.pagecache import remove_triggers

    remove_triggers(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("core", "0002_audit_type_latest")]

    operations = [
        migrations.CreateModel(
            name="ContentVersion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("stamp", models.CharField(max_length=36)),
                ("changes", models.BigIntegerField(default=0)),
            ],
            options={"verbose_name": "content version"},
        ),
        migrations.RunPython(create_row, drop_triggers),
    ]
