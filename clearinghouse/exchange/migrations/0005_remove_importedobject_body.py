"""The texts are in each run's archive now (0004); a migration of its own, so that PostgreSQL alters the table
in a transaction with no pending row updates."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("exchange", "0004_import_archive"),
    ]

    operations = [
        # (a default, so that going back re-adds the column; 0004 then fills it from the archives)
        migrations.AlterField(model_name="importedobject", name="body", field=models.TextField(default="")),
        migrations.RemoveField(
            model_name="importedobject",
            name="body",
        ),
    ]
