"""The catalogue's own inverted index, and search caches brought up to date after each change."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.db import transaction

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
from clearinghouse.catalog.search.text import parse_query
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


@pytest.fixture
def generated():
    call_command("generate_catalog", "--count", "300", "--seed", "3", stdout=io.StringIO(), stderr=io.StringIO())
    bitmaps.reset()


@pytest.mark.django_db
@pytest.mark.parametrize("word", ["network", "mobile", "fraud", "phishing", "sim", "swap", "synthetic"])
def test_the_postings_of_a_word_are_what_the_full_text_engine_finds(generated, word):
    engine = set(search.matching_ids(parse_query(word)))

    assert engine
    assert set(postings.ids_for(word.encode())) == engine


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
    monkeypatch.undo()

    assert after.total == before.total + 1
    assert draft.pk in [m.pk for m in search_now(reader, "signalling", page_size=500).page]
    assert builds == [], "the facet sets were patched, not rebuilt"
    assert summary(after) == summary(fresh(reader, "signalling"))
    assert summary(phishing) == summary(fresh(reader, "phishing"))


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
def test_newest_first_walks_a_large_result_in_publication_order(generated, monkeypatch):
    reader = AnonymousUser()
    expected = list(
        selectors.measures_visible_to(reader)
        .filter(search_document__text__contains="network")
        .order_by("-published_at", "-id")
        .values_list("pk", flat=True)
    )
    monkeypatch.setattr(bitmaps, "SMALL_RESULT", 10)

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
    expected = summary(fresh(reader, "fraud"))
    matched = set(search.matching_set(parse_query("fraud")))
    SearchPosting.objects.all().delete()
    bitmaps.reset()
    assert not search.matching_set(parse_query("fraud"))
    out = io.StringIO()

    call_command("rebuild_search_index", stdout=out, stderr=io.StringIO())

    assert "300 measures indexed" in out.getvalue()
    assert set(search.matching_set(parse_query("fraud"))) == matched
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
