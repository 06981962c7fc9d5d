"""The search documents and facet postings a change writes, and the search index and counts brought up to date."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.db import connection, transaction

from clearinghouse.catalog import search, selectors, services
from clearinghouse.catalog.models import (
    Measure,
    MeasureSearchDocument,
    MeasureTranslation,
    Pillar,
    SearchPosting,
)
from clearinghouse.catalog.search import postings
from clearinghouse.catalog.search import sets as bitmaps
from clearinghouse.catalog.tests.factories import measure


def search_now(user, query: str = "", **kwargs):
    return selectors.search_measures(user, query=query, **kwargs)


def fresh(user, query: str = "", **kwargs):
    """The same search computed from nothing, as a new process would."""
    search.reset()
    return search_now(user, query, **kwargs)


def summary(result) -> tuple:
    facets = {name: [(v.value, v.count) for v in values] for name, values in result.facets.items()}
    return result.total, [m.pk for m in result.page], facets


def all_postings() -> dict[tuple[bytes, int], list[int]]:
    from pyroaring import BitMap

    return {
        (bytes(row.term), row.chunk): list(BitMap.deserialize(bytes(row.ids)))
        for row in SearchPosting.objects.order_by("term", "chunk")
    }


#: The database's own full-text tables of before the Tantivy index (migration 0017 dropped them).
OLD_FULL_TEXT_TABLES = {"catalog_measure_fts", "catalog_measure_pairs_fts", "catalog_measurewordpairs"}


def old_full_text() -> dict[str, object]:
    """What the database holds of its former full-text search: tables, the tsvector column, their triggers."""
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor)) & OLD_FULL_TEXT_TABLES
        description = connection.introspection.get_table_description(cursor, "catalog_measuresearchdocument")
        triggers = 0
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal "
                "AND tgrelid = 'catalog_measuresearchdocument'::regclass "
                "AND tgname NOT LIKE 'ch174cv_%%'"  # the public page cache's (core.pagecache), not search's
            )
            triggers = cursor.fetchone()[0]
    return {"tables": tables, "document column": "document" in {c.name for c in description}, "triggers": triggers}


NO_OLD_FULL_TEXT = {"tables": set(), "document column": False, "triggers": 0}


def migrate_forward_everything() -> None:
    """Every app to its latest migration: going back in the catalogue unapplies the apps that depend on it
    (assistance, insights' reads), and a test after this one must find every table."""
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.fixture
def generated():
    call_command("generate_catalog", "--count", "300", "--seed", "3", stdout=io.StringIO(), stderr=io.StringIO())
    bitmaps.reset()


@pytest.mark.django_db
def test_a_rebuild_from_the_documents_gives_the_postings_the_changes_gave(generated, personas):
    made = measure(personas, title="Roaming fraud detection", language="en")
    MeasureTranslation.objects.create(measure=made, language="fr", title="Détection de la fraude en itinérance")
    search.index_measure(Measure.objects.get(pk=made.pk))
    incremental = all_postings()

    postings.rebuild(Measure, MeasureSearchDocument, MeasureTranslation)

    assert all_postings() == incremental
    assert (b"#language=fr", made.pk >> postings.CHUNK_BITS) in incremental


@pytest.mark.django_db
def test_after_an_edit_counts_and_facets_are_those_a_new_process_computes(generated, personas, monkeypatch):
    reader = AnonymousUser()
    draft = measure(personas, state="draft", title="Firewall for signalling traffic", summary="Blocks SS7 abuse.")
    before = search_now(reader, "signalling")
    published = selectors.measures_visible_to(reader)
    counted_before = selectors.facet_counts(published)  # as a report counts them
    builds = []
    original = bitmaps.FacetIndex.build

    def counted_build():
        builds.append(1)
        return original()

    monkeypatch.setattr(bitmaps.FacetIndex, "build", counted_build)
    draft = services.update_measure(
        draft,
        actor=personas.alice,
        expected_version=draft.version,
        pillar=Pillar.objects.get(slug="legal"),
        summary="Blocks SS7 abuse and signalling fraud; a phishing filter too.",
    )
    services.submit_measure(draft, actor=personas.alice)
    services.publish_measure(services.start_review(draft, actor=personas.curator), actor=personas.curator)

    after = search_now(reader, "signalling")
    phishing = search_now(reader, "phishing")
    counted_after = selectors.facet_counts(published)
    monkeypatch.undo()

    assert after.total == before.total + 1
    assert draft.pk in [m.pk for m in search_now(reader, "signalling", page_size=500).page]
    assert summary(after) == summary(fresh(reader, "signalling"))
    assert summary(phishing) == summary(fresh(reader, "phishing"))
    assert builds == [], "the report's facet sets were patched, not rebuilt"
    assert counted_after[0] == counted_before[0] + 1
    assert counted_after[1]["pillar"]["legal"] == counted_before[1]["pillar"].get("legal", 0) + 1
    search.reset()
    assert counted_after == selectors.facet_counts(published)


@pytest.mark.django_db
def test_a_withdrawn_measure_is_no_longer_found_nor_counted_by_a_reader_who_may_not_see_it(generated, personas):
    reader = AnonymousUser()
    made = measure(personas, title="Blacklistdb for stolen handsets")
    assert search_now(reader, "blacklistdb").total == 1  # (the index holds its published version)

    services.withdraw_measure(made, actor=personas.curator)

    found = search_now(reader, "blacklistdb")
    assert (found.total, found.page) == (0, [])
    assert summary(search_now(reader, "stolen")) == summary(fresh(reader, "stolen"))


@pytest.mark.django_db
def test_a_state_seen_in_a_rolled_back_transaction_is_never_served_later(generated, personas):
    reader = AnonymousUser()
    search_now(reader, "fraud")
    with pytest.raises(RuntimeError), transaction.atomic():
        measure(personas, title="A fraud measure that is rolled back")
        assert search_now(reader, "fraud").total == fresh(reader, "fraud").total
        raise RuntimeError
    # the next change reuses the rolled-back change counter, with other data
    measure(personas, title="Roaming fraud alerts", threats=("simbox-fraud",))

    assert summary(search_now(reader, "fraud")) == summary(fresh(reader, "fraud"))


@pytest.mark.django_db
def test_a_private_measure_is_counted_for_its_owner_only_after_each_change(generated, personas):
    search_now(personas.bob, "cybercrime")
    search_now(personas.alice, "cybercrime")
    made = measure(personas, title="Cybercrime unit", tlp="amber", state="draft")

    assert made.pk in {m.pk for m in search_now(personas.alice, "cybercrime unit").page}
    assert made.pk not in {m.pk for m in search_now(personas.bob, "cybercrime unit", page_size=500).page}
    assert summary(search_now(personas.bob, "cybercrime")) == summary(fresh(personas.bob, "cybercrime"))


@pytest.mark.django_db
def test_newest_first_pages_through_a_large_result_in_publication_order(generated):
    reader = AnonymousUser()
    expected = list(
        selectors.measures_visible_to(reader)
        .filter(search_document__text__contains="network")
        .order_by("-published_at", "-id")
        .values_list("pk", flat=True)
    )
    pages = [search_now(reader, "network", sort="newest", page=n, page_size=25) for n in (1, 2)]

    assert [m.pk for page in pages for m in page.page] == expected[:50]


@pytest.mark.django_db
def test_a_change_re_indexes_the_changed_measure_only_and_a_new_generation_rebuilds(generated, personas, monkeypatch):
    from clearinghouse.catalog.search.engine import Engine

    reader = AnonymousUser()
    before = search_now(reader, '"sim swap"').total
    calls: list = []

    def rebuild(self, state, stream=None):
        calls.append("rebuild")

    monkeypatch.setattr(Engine, "_rebuild", rebuild)
    original_patch = Engine._patch

    def patch(self, state, ids):
        calls.append(ids)
        return original_patch(self, state, ids)

    monkeypatch.setattr(Engine, "_patch", patch)
    made = measure(personas, title="Sim swap checks before a number port", summary="Operators verify a sim swap.")

    after = search_now(reader, '"sim swap"')

    assert after.total == before + 1 and made.pk in {m.pk for m in after.page}
    assert calls and "rebuild" not in calls and {pk for ids in calls for pk in ids} == {made.pk}
    search.changed()  # the whole catalogue changed (a bulk load)
    search_now(reader, "fraud")
    assert calls[-1] == "rebuild"


@pytest.mark.django_db
def test_a_new_development_group_member_is_counted_in_the_group_facet_at_once(personas):
    from clearinghouse.core import audit
    from clearinghouse.countries.models import DevelopmentGroup, MemberState

    measure(personas, title="Number portability fraud checks")  # owned by Kenya, alice's state
    kenya = MemberState.objects.get(alpha2="KE")
    sids = DevelopmentGroup.objects.get(code="sids")
    assert kenya not in sids.members.all()
    before = {v.value: v.count for v in search_now(AnonymousUser(), "portability").facets["group"]}

    sids.members.add(kenya)  # as load_reference_data does it: the change is audited
    audit.record(None, "developmentgroup.members_changed", sids, changes={"added": ["KE"]})
    after = {v.value: v.count for v in search_now(AnonymousUser(), "portability").facets["group"]}

    assert after["sids"] == before.get("sids", 0) + 1


def versions_read_from_the_audit_log() -> tuple[list[int], int]:
    """The reference versions as searches read them from the audit log before the state row held them: the
    latest audited change to each kind of reference record, renames aside, and the latest of any kind."""
    from clearinghouse.catalog.search import indexing
    from clearinghouse.core.models import AuditEvent

    events = AuditEvent.objects.order_by("-id").values_list("id", flat=True)
    grouping = [
        events.filter(object_type=kind).exclude(action__in=indexing.NAMING_ACTIONS).first() or 0
        for kind in indexing.REFERENCE_TYPES
    ]
    return grouping, events.filter(object_type__in=indexing.REFERENCE_TYPES).first() or 0


def versions_in_the_state_row() -> tuple[list[int], int]:
    from clearinghouse.catalog.models import SearchState
    from clearinghouse.catalog.search import indexing

    *grouping, labels = SearchState.objects.values_list(*indexing.REFERENCE_VERSIONS.values(), "labels_version").get(
        pk=1
    )
    return grouping, labels


@pytest.mark.django_db
def test_a_state_s_new_region_and_a_rename_change_the_search_state_as_the_audit_log_did_and_other_events_do_not(
    personas, monkeypatch
):
    from clearinghouse.catalog.models import Threat
    from clearinghouse.catalog.services import rename_taxonomy_node
    from clearinghouse.countries import services as countries

    measure(personas, title="Number portability fraud checks")  # owned by Kenya, alice's state
    reader = AnonymousUser()
    before = bitmaps.current_state()
    regions = {v.value: v.count for v in search_now(reader, "portability").facets["region"]}
    assert regions == {"africa": 1}
    rows = countries.member_state_rows()
    for row in rows:
        if row["alpha2"] == "KE":
            row["bdt_region"] = "arab_states"
    monkeypatch.setattr(countries, "member_state_rows", lambda: rows)

    countries.load_reference_data()  # Kenya's region, as the reference data now gives it
    regrouped = bitmaps.current_state()
    regions = {v.value: v.count for v in search_now(reader, "portability").facets["region"]}
    assert regrouped.token != before.token and regrouped.labels != before.labels
    assert regions == {"arab_states": 1}
    assert versions_in_the_state_row() == versions_read_from_the_audit_log()

    rename_taxonomy_node(Threat.objects.get(slug="device-theft"), actor=personas.curator, name_fr="Vol d'appareils")
    renamed = bitmaps.current_state()
    assert renamed.token == regrouped.token and renamed.labels != regrouped.labels
    assert versions_in_the_state_row() == versions_read_from_the_audit_log()

    countries.create_organization(actor=None, name="Numbering Forum", slug="numbering-forum", kind="regional")
    assert bitmaps.current_state() == renamed and bitmaps.current_state().labels == renamed.labels
    assert versions_in_the_state_row() == versions_read_from_the_audit_log()


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeping_the_reference_versions_in_the_state_row_fills_them_from_the_audit_log_and_reverses():
    from django.db.migrations.executor import MigrationExecutor

    from clearinghouse.catalog.models import SearchState, Threat
    from clearinghouse.catalog.services import rename_taxonomy_node
    from clearinghouse.catalog.taxonomy import load_default_taxonomy
    from clearinghouse.core.testing import make_personas
    from clearinghouse.countries.services import load_reference_data

    def migrate_to(name: str) -> None:
        MigrationExecutor(connection).migrate([("catalog", name)])

    load_reference_data()  # a transactional test may start from a flushed database
    load_default_taxonomy(Pillar, Threat)
    personas = make_personas()
    measure(personas, title="Number portability fraud checks")
    rename_taxonomy_node(Threat.objects.get(slug="device-theft"), actor=personas.curator, name_fr="Vol d'appareils")
    before = bitmaps.current_state()
    try:
        migrate_to("0017_search_on_tantivy_only")
        columns = {
            field.name
            for field in connection.introspection.get_table_description(connection.cursor(), SearchState._meta.db_table)
        }
    finally:
        migrate_forward_everything()

    assert "labels_version" not in columns
    after = bitmaps.current_state()
    assert after == before and after.labels == before.labels
    assert versions_in_the_state_row() == versions_read_from_the_audit_log()


@pytest.mark.django_db
def test_renaming_a_technology_in_the_admin_makes_its_measures_findable_by_the_new_name(personas):
    from django.contrib.admin.sites import site
    from django.test import RequestFactory

    from clearinghouse.catalog.models import Technology
    from clearinghouse.core.testing import client_for

    technology = Technology.objects.create(
        name="Equipment register",
        slug="eir",
        tlp="clear",
        lifecycle="published",
        owner_state=personas.alice.member_state,
    )
    made = measure(personas, title="Stolen handset blocking", technologies=[technology])
    assert search_now(AnonymousUser(), "blacklistdb").total == 0
    # the admin's own form, as the page shows it filled in
    request = RequestFactory().get("/")
    request.user = personas.admin
    form = site._registry[Technology].get_form(request, technology)(instance=technology)
    data = {name: form[name].value() for name in form.fields}
    data = {name: "" if value is None else value for name, value in data.items()}
    data |= {"name": "Blacklistdb equipment register", "translations-TOTAL_FORMS": "0"}
    data |= {"translations-INITIAL_FORMS": "0"}

    response = client_for(personas.admin).post(f"/en/admin/catalog/technology/{technology.pk}/change/", data)

    assert response.status_code == 302 and response["Location"] == "/en/admin/catalog/technology/"
    assert [m.pk for m in search_now(AnonymousUser(), "blacklistdb").page] == [made.pk]


@pytest.mark.django_db
def test_the_rebuild_command_restores_lost_postings_and_rebuilds_the_index(generated):
    reader = AnonymousUser()
    published = selectors.measures_visible_to(reader)
    expected = summary(fresh(reader, "fraud"))
    counted = selectors.facet_counts(published)
    SearchPosting.objects.all().delete()
    search.reset()
    assert selectors.facet_counts(published) == (counted[0], {name: {} for name in counted[1]})
    out = io.StringIO()

    call_command("rebuild_search_index", stdout=out, stderr=io.StringIO())

    assert "300 measures indexed" in out.getvalue()
    assert selectors.facet_counts(published) == counted
    assert summary(search_now(reader, "fraud")) == expected


@pytest.mark.django_db
def test_two_processes_of_a_machine_share_one_index_on_disk_and_each_sees_the_other_s_catch_up(personas, tmp_path):
    import tantivy

    from clearinghouse.catalog.search.engine import SCHEMA, Engine

    def count(index, word: str) -> int:
        index.reload()
        return index.searcher().search(tantivy.Query.term_query(SCHEMA, "words", word), count=True).count

    first, second = Engine(tmp_path / "index"), Engine(tmp_path / "index")
    measure(personas, title="Roaming fraud detection")
    before = bitmaps.current_state()
    assert count(first.current(before), "roaming") == 1

    measure(personas, title="Roaming charges transparency")
    after = bitmaps.current_state()
    assert count(second.current(after), "roaming") == 2  # the second brings the shared index up to date
    assert count(first.current(after), "roaming") == 2  # the first finds the work done and reads it
    assert (tmp_path / "index" / "state.json").exists()


@pytest.mark.django_db
def test_saving_a_measure_writes_its_search_document_and_facet_terms_only(personas):
    made = measure(personas, title="Roaming fraud detection", summary="Operators share sim swap alerts.")
    MeasureTranslation.objects.create(measure=made, language="fr", title="Détection de la fraude en itinérance")
    search.index_measure(Measure.objects.get(pk=made.pk))

    terms = {bytes(term) for term in SearchPosting.objects.values_list("term", flat=True)}
    assert terms and all(term.startswith(b"#") for term in terms), "no word is filed in the postings"
    assert {b"#language=en", b"#language=fr"} <= terms
    assert {"roaming", "itinerance"} <= set(MeasureSearchDocument.objects.get(measure=made).text.split())
    assert old_full_text() == NO_OLD_FULL_TEXT
    for query in ("roaming", "roam", '"sim swap"', "itinérance"):
        assert [m.pk for m in search_now(AnonymousUser(), query).page] == [made.pk], query


@pytest.mark.django_db(transaction=True)
def test_the_migration_dropping_the_database_s_full_text_search_can_be_reversed_and_applied_again():
    from django.db.migrations.executor import MigrationExecutor

    from clearinghouse.catalog.models import Threat
    from clearinghouse.catalog.taxonomy import load_default_taxonomy
    from clearinghouse.core.testing import make_personas
    from clearinghouse.countries.services import load_reference_data

    def migrate_to(name: str) -> None:
        executor = MigrationExecutor(connection)
        executor.migrate([("catalog", name)])

    def old_engine_finds(word: str, pair: tuple[str, str]) -> tuple[list[int], list[int]]:
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("SELECT rowid FROM catalog_measure_fts WHERE catalog_measure_fts MATCH %s", [word])
                words = [row[0] for row in cursor.fetchall()]
                cursor.execute(
                    "SELECT rowid FROM catalog_measure_pairs_fts WHERE catalog_measure_pairs_fts MATCH %s",
                    ['"' + "_".join(pair) + '"'],
                )
            else:
                cursor.execute(
                    "SELECT measure_id FROM catalog_measuresearchdocument WHERE document @@ to_tsquery('simple', %s)",
                    [word],
                )
                words = [row[0] for row in cursor.fetchall()]
                cursor.execute(
                    "SELECT measure_id FROM catalog_measurewordpairs WHERE pairs @@ %s::tsquery",
                    [f"'{' '.join(pair)}'"],
                )
            return words, [row[0] for row in cursor.fetchall()]

    # a transactional test may start from a flushed database: the reference data first
    load_reference_data()
    load_default_taxonomy(Pillar, Threat)
    made = measure(make_personas(), title="Roaming fraud detection", summary="Operators share sim swap alerts.")
    facet_postings = all_postings()
    try:
        migrate_to("0016_taxonomy_names_and_synonyms")
        restored = old_full_text()
        found = old_engine_finds("roaming", ("sim", "swap"))
        words = {bytes(term) for term in SearchPosting.objects.values_list("term", flat=True)}
    finally:
        migrate_forward_everything()

    if connection.vendor == "sqlite":
        assert restored == {**NO_OLD_FULL_TEXT, "tables": {"catalog_measure_fts", "catalog_measure_pairs_fts"}}
    else:
        assert restored == {"tables": {"catalog_measurewordpairs"}, "document column": True, "triggers": 3}
    assert found == ([made.pk], [made.pk])
    assert {b"roaming", b"~roam"} <= words and {term for term, _chunk in facet_postings} <= words
    assert old_full_text() == NO_OLD_FULL_TEXT
    assert all_postings() == facet_postings
    assert [m.pk for m in search_now(AnonymousUser(), "roaming").page] == [made.pk]


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["", "fraud", "phishing", '"sim swap"'])
def test_facets_counted_in_one_aggregation_are_those_counted_per_facet(generated, personas, monkeypatch, query):
    from clearinghouse.catalog.search import engine

    reader = personas.alice  # (a member: more records, more facet values)
    monkeypatch.setattr(engine, "ONE_AGGREGATION_UP_TO", 0)
    per_facet = search_now(reader, query)
    monkeypatch.setattr(engine, "ONE_AGGREGATION_UP_TO", 10**9)
    one = search_now(reader, query)

    assert per_facet.total > 0
    assert summary(one) == summary(per_facet)
    assert sum(v.count for v in one.facets["pillar"]) == one.total  # (one pillar per measure)


def test_a_tally_counts_what_the_reader_may_see_by_the_fields_asked_and_names_a_field_it_does_not_hold(personas):
    """``engine.tally`` and ``engine.latest`` (the Member States' pages, the maps): counted and listed over what the
    reader may see; a field the index does not hold for them is refused by name."""
    from clearinghouse.catalog.search import engine

    measure(personas, title="Open register", status="operational", threats=("spam",))
    measure(personas, title="Shared register", tlp="amber", status="planned", threats=("spam", "wangiri"))
    public = engine.tally(AnonymousUser(), ("country", "status"), {"filed": ["spam"]})
    assert public == {("KE", "operational"): 1}
    kenya = engine.tally(personas.alice, ("filed",), {"country": ["KE"]})
    assert kenya == {("spam",): 2, ("wangiri",): 1}
    assert engine.tally(personas.alice, ("status",), {"country": []}) == {}
    newest = engine.latest(personas.alice, {"country": ["KE"]}, 5)
    assert [Measure.objects.get(pk=pk).title for pk in newest] == ["Shared register", "Open register"]
    assert len(engine.latest(AnonymousUser(), {"country": ["KE"]}, 5)) == 1
    with pytest.raises(ValueError, match="not owner_state"):
        engine.tally(AnonymousUser(), ("owner_state",))
    with pytest.raises(ValueError, match="not title"):
        engine.latest(AnonymousUser(), {"title": ["x"]}, 5)
