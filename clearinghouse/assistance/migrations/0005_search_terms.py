"""The table of terms of the requests and offers (``assistance.search``), filled from their search words."""

import django.db.models.deletion
from django.db import migrations, models


def fill(apps, schema_editor):
    from clearinghouse.assistance import search

    for name in ("AssistanceRequest", "AssistanceOffer"):
        model = apps.get_model("assistance", name)
        ids = list(model._default_manager.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), 1_000):
            texts = model._default_manager.filter(pk__in=ids[start : start + 1_000]).values_list("pk", "search_text")
            search.write_terms(model, dict(texts))


class Migration(migrations.Migration):

    dependencies = [
        ('assistance', '0004_access_indexes'),
    ]

    operations = [
        migrations.CreateModel(
            name='AssistanceOfferTerm',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('term', models.CharField(max_length=100)),
                ('record', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='assistance.assistanceoffer')),
            ],
            options={
                'indexes': [models.Index(fields=['term', 'record'], name='assistance_offer_term', opclasses=['varchar_pattern_ops', 'int8_ops'])],
                'constraints': [models.UniqueConstraint(fields=('record', 'term'), name='one_offer_term')],
            },
        ),
        migrations.CreateModel(
            name='AssistanceRequestTerm',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('term', models.CharField(max_length=100)),
                ('record', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='assistance.assistancerequest')),
            ],
            options={
                'indexes': [models.Index(fields=['term', 'record'], name='assistance_request_term', opclasses=['varchar_pattern_ops', 'int8_ops'])],
                'constraints': [models.UniqueConstraint(fields=('record', 'term'), name='one_request_term')],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
