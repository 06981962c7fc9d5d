"""The search state row holds the versions of the reference records, so a search reads its state in one row.

Until now every search asked the audit log for the latest change to Member States, development groups,
threats and pillars (five subqueries beside the state row). From here on the change writes its audit
event's id into the state row (``catalog.search.indexing.reference_changed``). This migration fills the
new columns from the audit log as the subqueries read it, so the state, and with it the search index on
disk and every process's caches, stays what it was. Reversing it drops the columns (searches of the older
code read the audit log again).
"""

from django.db import migrations, models

#: As ``search.indexing`` names them at this migration (a later change there does not alter this one).
REFERENCE_VERSIONS = {
    "countries.memberstate": "member_states_version",
    "countries.developmentgroup": "development_groups_version",
    "catalog.threat": "threats_version",
    "catalog.pillar": "pillars_version",
}
NAMING_ACTIONS = (
    "threat.renamed",
    "pillar.renamed",
    "threat.synonym_added",
    "threat.synonym_removed",
    "memberstate.profile_updated",
)


def forward(apps, schema_editor):
    events = apps.get_model("core", "AuditEvent").objects.order_by("-id").values_list("id", flat=True)
    versions = {
        column: events.filter(object_type=kind).exclude(action__in=NAMING_ACTIONS).first() or 0
        for kind, column in REFERENCE_VERSIONS.items()
    }
    versions["labels_version"] = events.filter(object_type__in=list(REFERENCE_VERSIONS)).first() or 0
    apps.get_model("catalog", "SearchState").objects.filter(pk=1).update(**versions)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0017_search_on_tantivy_only"),
        ("core", "0002_audit_type_latest"),
    ]
    operations = [
        *(
            migrations.AddField(model_name="searchstate", name=name, field=models.BigIntegerField(default=0))
            for name in (*REFERENCE_VERSIONS.values(), "labels_version")
        ),
        migrations.RunPython(forward, migrations.RunPython.noop),
    ]
