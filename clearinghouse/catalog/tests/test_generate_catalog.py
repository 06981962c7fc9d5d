"""The synthetic catalogue for benchmarks: marked as made up, searchable, the same for the same seed."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command

from clearinghouse.catalog import search, selectors
from clearinghouse.catalog.models import Measure, MeasureSearchDocument
from clearinghouse.catalog.search import engine as search_engine
from clearinghouse.catalog.search.text import normalize
from clearinghouse.core.models import AuditEvent
from clearinghouse.core.visibility import TLP, Lifecycle


def generate(count: int = 50, seed: int = 1, batch: int = 20000) -> list[Measure]:
    before = Measure.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    arguments = ["--count", str(count), "--seed", str(seed), "--batch", str(batch)]
    call_command("generate_catalog", *arguments, stdout=io.StringIO(), stderr=io.StringIO())
    return list(Measure.objects.filter(pk__gt=before).order_by("pk").prefetch_related("threats"))


def content(measures: list[Measure]) -> list[tuple]:
    return [
        (
            m.title,
            m.summary,
            m.description,
            m.pillar_id,
            m.owner_state_id,
            m.owner_organization_id,
            m.tlp,
            m.lifecycle,
            m.status,
            m.language,
            m.since_year,
            m.published_at,
            sorted(t.pk for t in m.threats.all()),
        )
        for m in measures
    ]


@pytest.mark.django_db
def test_it_creates_the_measures_marked_illustrative_with_synthetic_titles():
    measures = generate()

    assert len(measures) == 50
    assert all(m.is_illustrative for m in measures)
    assert all(m.title.startswith("[synthetic] ") for m in measures)
    assert all(1 <= len(m.threats.all()) <= 2 for m in measures)
    assert all((m.owner_state_id is None) != (m.owner_organization_id is None) for m in measures)
    assert all(m.published_at for m in measures if m.lifecycle == Lifecycle.PUBLISHED)
    assert 100 <= min(len(m.description.split()) for m in measures)


@pytest.mark.django_db
def test_it_records_one_audit_event_for_the_whole_run_and_none_per_measure():
    generate()

    events = AuditEvent.objects.filter(action__startswith="catalog.") | AuditEvent.objects.filter(
        object_type="catalog.measure"
    )
    assert [(e.action, e.changes) for e in events] == [("catalog.generated", {"count": 50, "seed": 1})]


@pytest.mark.django_db
def test_each_measure_is_indexed_as_the_search_engine_would_index_it():
    measures = generate()

    for measure in measures:
        expected = normalize(f"{measure.title} {measure.summary} {measure.description}")
        assert measure.search_document.text == expected


@pytest.mark.django_db
def test_a_measure_is_found_by_a_word_of_its_title():
    measures = generate()
    shown = next(m for m in measures if m.lifecycle == Lifecycle.PUBLISHED and m.tlp == TLP.CLEAR)
    # The rarest word of the title finds few measures, so the one sought is on the first page.
    counts = {w: sum(w in m.search_document.text.split() for m in measures) for w in normalize(shown.title).split()}
    word = min(counts, key=lambda w: (counts[w], w))

    anonymous = AnonymousUser()
    result = selectors.search_measures(anonymous, query=word, page_size=100, with_facets=False)

    assert shown.pk in [m.pk for m in result.page]


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_measures_and_another_seed_others():
    first = generate(seed=1)
    again = generate(seed=1)
    other = generate(seed=2)

    assert content(again) == content(first)
    assert [m.title for m in other] != [m.title for m in first]


@pytest.mark.django_db
def test_the_batch_size_does_not_change_what_is_generated():
    whole = generate(count=30)
    before = Measure.objects.order_by("-pk").values_list("pk", flat=True).first()
    call_command("generate_catalog", "--count", "30", "--batch", "7", stdout=io.StringIO(), stderr=io.StringIO())

    assert content(list(Measure.objects.filter(pk__gt=before).order_by("pk"))) == content(whole)


@pytest.mark.django_db
def test_an_anonymous_reader_sees_only_the_published_tlp_clear_ones():
    measures = generate()
    expected = {m.pk for m in measures if m.lifecycle == Lifecycle.PUBLISHED and m.tlp == TLP.CLEAR}

    seen = set(selectors.measures_visible_to(AnonymousUser()).values_list("pk", flat=True))

    assert seen == expected
    assert 0 < len(expected) < len(measures)


# -- the machine's search index, kept current by the run -------------------------------------------


@pytest.fixture
def index_on_disk(settings, tmp_path):
    """The search index in a folder, as on a machine (the tests otherwise keep it in memory)."""
    settings.SEARCH_INDEX_DIR = str(tmp_path)
    search.reset()
    return tmp_path


def rebuilds(monkeypatch) -> list[int]:
    from clearinghouse.catalog.search.engine import Engine

    calls: list[int] = []
    original = Engine._rebuild

    def counted(self, state, **kwargs):
        calls.append(Measure.objects.count())
        return original(self, state, **kwargs)

    monkeypatch.setattr(Engine, "_rebuild", counted)
    return calls


def everything_found(reader=None) -> tuple:
    """What a search for the word every synthetic measure has finds: total, first page, facet counts."""
    result = selectors.search_measures(reader or AnonymousUser(), query="synthetic", page_size=100)
    facets = {name: [(v.value, v.count) for v in values] for name, values in result.facets.items()}
    return result.total, [m.pk for m in result.page], facets


@pytest.mark.django_db
def test_after_a_run_the_first_search_of_a_new_process_finds_the_measures_without_rebuilding_the_index(
    index_on_disk, monkeypatch
):
    measures = generate(count=120, batch=50)
    search.reset()  # a new process opens the index on disk
    built = rebuilds(monkeypatch)

    found = everything_found()

    assert built == []
    shown = {m.pk for m in measures if m.lifecycle == Lifecycle.PUBLISHED and m.tlp == TLP.CLEAR}
    assert found[0] == len(shown) and set(found[1]) <= shown
    search_engine.rebuild()  # the index rebuilt from the database gives the same results
    assert everything_found() == found


@pytest.mark.django_db
def test_a_run_stopped_half_way_leaves_whole_batches_and_the_next_search_rebuilds_the_index(index_on_disk, monkeypatch):
    original = search.index_many

    def stopped_in_the_second_batch(rows):
        if Measure.objects.count() > 40:  # (the second batch's measures are written already)
            raise KeyboardInterrupt
        return original(rows)

    monkeypatch.setattr(search, "index_many", stopped_in_the_second_batch)
    with pytest.raises(KeyboardInterrupt):
        generate(count=100, batch=40)
    monkeypatch.setattr(search, "index_many", original)
    search.reset()
    built = rebuilds(monkeypatch)

    found = everything_found()

    assert Measure.objects.count() == 40 and MeasureSearchDocument.objects.count() == 40
    assert built == [40]
    visible = selectors.measures_visible_to(AnonymousUser())
    assert found[0] == visible.count() and set(found[1]) <= set(visible.values_list("pk", flat=True))


@pytest.mark.django_db
def test_a_measure_published_by_someone_else_during_a_run_is_found_after_it(personas, index_on_disk, monkeypatch):
    from clearinghouse.catalog.management.commands import generate_catalog
    from clearinghouse.catalog.tests.factories import measure

    published: list[Measure] = []
    original = generate_catalog.write_batch

    def meanwhile_a_measure_is_published(batch, index):
        original(batch, index)
        if not published:
            published.append(measure(personas, title="Blacklistdb for stolen handsets"))

    monkeypatch.setattr(generate_catalog, "write_batch", meanwhile_a_measure_is_published)
    generate(count=100, batch=40)
    search.reset()
    built = rebuilds(monkeypatch)

    found = selectors.search_measures(AnonymousUser(), query="blacklistdb")

    assert [m.pk for m in found.page] == [published[0].pk]
    assert len(built) == 1  # the index could not claim the catalogue's state: rebuilt from the database


@pytest.mark.django_db
def test_with_technologies_half_the_measures_use_them_and_the_index_tallies_them_at_once():
    """``--technologies``: synthetic technologies of the Secretariat (the recommendations' second list reads them),
    used by about half the measures, and in the search index without a rebuild."""
    from clearinghouse.catalog.models import Technology

    before = Measure.objects.count()
    arguments = ["--count", "200", "--technologies", "6", "--batch", "70"]
    call_command("generate_catalog", *arguments, stdout=io.StringIO(), stderr=io.StringIO())
    made = Technology.objects.filter(slug__startswith="synthetic-technology-")
    assert made.count() == 6 and all(t.is_illustrative and t.owner_organization.slug == "itu" for t in made)
    links = Measure.technologies.through.objects.filter(measure__title__startswith="[synthetic]")
    using = links.values("measure_id").distinct().count()
    assert Measure.objects.count() - before == 200 and 60 <= using <= 140
    everyone = search_engine.tally(AnonymousUser(), ("technology",))
    public = Measure.objects.visible_to(AnonymousUser()).filter(technologies__isnull=False)
    expected: dict[tuple[str, ...], int] = {}
    for technology_id in public.values_list("technologies", flat=True):
        expected[(str(technology_id),)] = expected.get((str(technology_id),), 0) + 1
    assert everyone == expected and everyone
    with pytest.raises(Exception, match="--technologies zero or more"):
        call_command("generate_catalog", "--count", "1", "--technologies", "-1", stdout=io.StringIO())
