"""Each import's objects move from a text per row (``ImportedObject.body``) to one compressed archive per run."""

import django.db.models.deletion
from django.db import migrations, models


def archive_bodies(apps, schema_editor):
    from clearinghouse.exchange import archive

    ImportedObject = apps.get_model("exchange", "ImportedObject")
    ImportArchive = apps.get_model("exchange", "ImportArchive")
    runs = ImportedObject.objects.order_by().values_list("run_id", flat=True).distinct()
    for run_id in list(runs):
        rows = list(ImportedObject.objects.filter(run_id=run_id).order_by("pk").values_list("pk", "body"))
        data, spans = archive.pack([body for _pk, body in rows])
        ImportArchive.objects.create(run_id=run_id, data=archive.compress(data), size=len(data))
        changed = [
            ImportedObject(pk=pk, offset=offset, length=length)
            for (pk, _body), (offset, length) in zip(rows, spans, strict=True)
        ]
        ImportedObject.objects.bulk_update(changed, ["offset", "length"], batch_size=500)


def restore_bodies(apps, schema_editor):
    from clearinghouse.exchange import archive

    ImportedObject = apps.get_model("exchange", "ImportedObject")
    ImportArchive = apps.get_model("exchange", "ImportArchive")
    for kept in ImportArchive.objects.all():
        data = archive.decompress(bytes(kept.data))
        rows = list(ImportedObject.objects.filter(run_id=kept.run_id))
        for row in rows:
            row.body = data[row.offset : row.offset + row.length].decode()
        ImportedObject.objects.bulk_update(rows, ["body"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("exchange", "0003_pending_rows_per_change"),
    ]

    operations = [
        migrations.CreateModel(
            name="ImportArchive",
            fields=[
                (
                    "run",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="archive",
                        serialize=False,
                        to="exchange.importrun",
                    ),
                ),
                ("data", models.BinaryField()),
                ("size", models.PositiveBigIntegerField()),
            ],
            options={
                "verbose_name": "STIX objects received",
                "verbose_name_plural": "STIX objects received",
            },
        ),
        migrations.AddField(
            model_name="importedobject",
            name="offset",
            field=models.PositiveBigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="importedobject",
            name="length",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(archive_bodies, restore_bodies),
    ]
