"""Issue 11, item 10: every persona × every record (each marking at each workflow stage) × every channel.

The expected answer comes from the table in docs/roles.md (``tests.access.rule``), never from the code under
test. One world is built per module, in one transaction rolled back at the end, so the whole matrix costs
one set-up per database. A channel that is built later joins here the day it is built.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import transaction
from django.test import TestCase, override_settings

from clearinghouse.core.testing import body_of
from clearinghouse.core.visibility import Lifecycle
from tests.access import rule
from tests.access.world import PERSONAS, WORD, World, build, codes_in

#: Each test still runs in its own savepoint, inside the module's transaction that holds the world.
pytestmark = pytest.mark.django_db

NAMES = [p.name for p in PERSONAS]
SIGNED_IN = [p.name for p in PERSONAS if p.signed_in]
TAXII = {"HTTP_ACCEPT": "application/taxii+json;version=2.1"}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[World]:
    from django.conf import settings

    rates = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "100000/minute", "user": "100000/minute"}}
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media"), REST_FRAMEWORK=rates),
        transaction.atomic(),
    ):
        with TestCase.captureOnCommitCallbacks(execute=True):
            made = build()
        for person in PERSONAS:  # sessions opened now, outside any test's savepoint, last the whole module
            made.client(person.name)
        yield made
        transaction.set_rollback(True)


# -- what each persona should meet --------------------------------------------------------------------------


def _visible(world: World, name: str, records: list[rule.Record]) -> set[str]:
    person = world.people[name]
    return {r.code for r in records if rule.sees(person, r)}


def visible_measures(world: World, name: str) -> set[str]:
    return _visible(world, name, world.measures)


def visible_technologies(world: World, name: str) -> set[str]:
    return _visible(world, name, world.technologies)


def exported(world: World, name: str, records: list[rule.Record]) -> set[str]:
    person = world.people[name]
    return {r.code for r in records if rule.leaves_the_platform(r) and rule.sees(person, r)}


def _diff(seen: set[str], expected: set[str], world: World) -> str:
    def describe(codes: set[str]) -> list[str]:
        found = {
            r.code: r for r in (*world.measures, *world.technologies, *world.contacts, *world.requests, *world.offers)
        }

        def one(code: str) -> str:
            r = found.get(code)
            return f"{code} ({r.owner_state or r.owner_organization} {r.tlp} {r.lifecycle})" if r else code

        return sorted(one(c) for c in codes)

    return f"leaked: {describe(seen - expected)}; missing: {describe(expected - seen)}"


def assert_same(seen: set[str], expected: set[str], world: World) -> None:
    assert seen == expected, _diff(seen, expected, world)


def assert_within(seen: set[str], allowed: set[str], world: World) -> None:
    assert seen <= allowed, _diff(seen, allowed, world).split(";")[0]


def html_pages(client: Any, url: str) -> str:
    """Every page of a paginated HTML list, joined."""
    texts, page = [], 1
    while True:
        response = client.get(url + ("&" if "?" in url else "?") + f"page={page}")
        assert response.status_code == 200, (url, page, response.status_code)
        text = response.content.decode()
        texts.append(text)
        if f"page={page + 1}" not in text or page > 10:
            return "\n".join(texts)
        page += 1


def api_pages(client: Any, url: str) -> list[dict[str, Any]]:
    pages = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        pages.append(response.json())
        url = pages[-1].get("next")
    return pages


# -- one record at a time: its page, history, edit and translation pages, file, API detail ------------------


DETAIL_PAGES = {
    "page": "/en/catalogue/measures/{pk}/",
    "page in Arabic": "/ar/catalogue/measures/{pk}/",
    "history": "/en/catalogue/measures/{pk}/history/",
    "file": "/en/catalogue/files/{attachment}/",
}
SIGN_IN_FIRST = {
    "edit page": "/en/catalogue/measures/{pk}/edit/",
    "translation page": "/en/catalogue/measures/{pk}/translation/",
}


@pytest.mark.parametrize("channel", list(DETAIL_PAGES))
@pytest.mark.parametrize("name", NAMES)
def test_a_measure_s_own_pages_answer_exactly_whom_the_rule_allows_and_404_to_others(world, name, channel):
    client, seen, expected = world.client(name), set(), visible_measures(world, name)
    for record in world.measures:
        response = client.get(DETAIL_PAGES[channel].format(pk=record.pk, attachment=record.attachment_pk))
        assert response.status_code in (200, 404), (record.code, response.status_code)
        if response.status_code == 200:
            seen.add(record.code)
            if channel != "file":  # nothing on a page it shows (related measures, say) reveals another record
                assert_within(codes_in(response.content.decode()), expected, world)
        else:
            assert record.code not in response.content.decode()
    assert_same(seen, expected, world)


@pytest.mark.parametrize("channel", list(SIGN_IN_FIRST))
@pytest.mark.parametrize("name", NAMES)
def test_the_edit_pages_of_a_measure_one_may_not_see_answer_404_not_403(world, name, channel):
    client, expected = world.client(name), visible_measures(world, name)
    for record in world.measures:
        response = client.get(SIGN_IN_FIRST[channel].format(pk=record.pk))
        if name == "reader":
            assert response.status_code == 302 and "/sign-in/" in response["Location"], record.code
        elif record.code in expected:
            assert response.status_code in (200, 403), (record.code, response.status_code)
        else:
            assert response.status_code == 404, (record.code, response.status_code)


@pytest.mark.parametrize("name", NAMES)
def test_the_api_gives_a_measure_to_exactly_whom_the_rule_allows(world, name):
    client, seen = world.api(name), set()
    for record in world.measures:
        response = client.get(f"/api/v1/measures/{record.pk}/")
        assert response.status_code in (200, 404), (record.code, response.status_code)
        if response.status_code == 200:
            seen.add(record.code)
    assert_same(seen, visible_measures(world, name), world)


@pytest.mark.parametrize("name", NAMES)
def test_a_technology_s_page_and_api_answer_exactly_whom_the_rule_allows(world, name):
    page, api = world.client(name), world.api(name)
    on_pages, in_api = set(), set()
    for record in world.technologies:
        if page.get(f"/en/catalogue/technologies/{record.extra['slug']}/").status_code == 200:
            on_pages.add(record.code)
        if api.get(f"/api/v1/technologies/{record.extra['slug']}/").status_code == 200:
            in_api.add(record.code)
    expected = visible_technologies(world, name)
    assert_same(on_pages, expected, world)
    assert_same(in_api, expected, world)


# -- lists, search results and their snippets, facet counts --------------------------------------------------


LISTS = {
    "catalogue search": f"/en/catalogue/?q={WORD}",
    "catalogue search in French": f"/fr/catalogue/?q={WORD}",
    "catalogue search on a word of the body": "/en/catalogue/?q=body",
    "catalogue": "/en/catalogue/",
    "measures using a technology": "/en/catalogue/technologies/qzcarrier/",
}


@pytest.mark.parametrize("channel", list(LISTS))
@pytest.mark.parametrize("name", NAMES)
def test_lists_and_search_results_show_exactly_the_measures_the_rule_allows(world, name, channel):
    text = html_pages(world.client(name), LISTS[channel])
    assert_same(codes_in(text), visible_measures(world, name), world)


@pytest.mark.parametrize("name", NAMES)
def test_the_api_s_search_counts_and_facets_count_only_what_the_rule_allows(world, name):
    expected = visible_measures(world, name)
    for url in (f"/api/v1/measures/?q={WORD}&page_size=100", "/api/v1/measures/?page_size=100"):
        pages = api_pages(world.api(name), url)
        assert_same(codes_in(json.dumps(pages)), expected, world)
        assert pages[0]["count"] == len(expected)
        facets = {f["value"]: f["count"] for f in pages[0]["facets"].get("pillar", [])}
        assert facets.get("technical", 0) == len(expected)
        countries = {f["value"]: f["count"] for f in pages[0]["facets"].get("country", [])}
        assert countries.get("KE", 0) == len({c for c in expected if world.record(c).owner_state == "KE"})


@pytest.mark.parametrize("name", NAMES)
def test_the_catalogue_page_counts_only_what_the_rule_allows(world, name):
    text = world.client(name).get(f"/en/catalogue/?q={WORD}").content.decode()
    count = len(visible_measures(world, name))
    assert f">{count} measure" in text, count


@pytest.mark.parametrize("name", NAMES)
def test_the_technology_list_and_api_show_exactly_the_technologies_the_rule_allows(world, name):
    expected = visible_technologies(world, name)
    assert_same(codes_in(world.client(name).get("/en/catalogue/technologies/").content.decode()), expected, world)
    pages = api_pages(world.api(name), "/api/v1/technologies/?page_size=500")
    assert_same(codes_in(json.dumps(pages)), expected, world)


@pytest.mark.parametrize("name", NAMES)
def test_personal_lists_never_show_a_measure_the_rule_hides(world, name):
    client, expected = world.client(name), visible_measures(world, name)
    for url in ("/en/", "/en/catalogue/mine/"):
        response = client.get(url)
        assert response.status_code in (200, 302), url
        assert_within(codes_in(response.content.decode()), expected, world)


@pytest.mark.parametrize("name", NAMES)
def test_the_review_queue_holds_what_the_curator_may_review_and_nothing_else(world, name):
    response = world.client(name).get("/en/catalogue/review/")
    person = world.people[name]
    if not person.curator:
        assert response.status_code in (302, 403)
        assert codes_in(response.content.decode()) == set()
        return
    expected = {c for c in visible_measures(world, name) if world.record(c).lifecycle in ("submitted", "in_review")}
    assert_same(codes_in(response.content.decode()), expected, world)


#: The curators' pages for content in six languages (docs/roles.md): (method, address, data, a curator's answers).
FRENCH_TEXT = "RÉSOLUTION 174\nTitre\nLa Conférence (Bucarest, 2022),\nconsidérant\na) que;\n"
CURATOR_PAGES = {
    "taxonomy": ("get", "/en/catalogue/taxonomy/", {}, (200,)),
    "a threat's names and synonyms": ("get", "/en/catalogue/taxonomy/threats/simbox-fraud/", {}, (200,)),
    "a pillar's names": ("get", "/en/catalogue/taxonomy/pillars/legal/", {}, (200,)),
    "renaming a threat": ("post", "/en/catalogue/taxonomy/threats/simbox-fraud/", {"name_en": "Renamed"}, (302,)),
    "adding a synonym": (
        "post",
        "/en/catalogue/taxonomy/threats/simbox-fraud/synonyms/",
        {"language": "en", "text": "matrix synonym"},
        (302,),
    ),
    "removing a synonym": (
        "post",
        "/en/catalogue/taxonomy/threats/simbox-fraud/synonyms/{synonym}/remove/",
        {},
        (302,),
    ),
    # the world's Resolution 174 is the project's summary: a curator is told an official text goes on an official one
    "attaching a text in another language": (
        "post",
        "/en/resolutions/import/",
        {"body": "pp", "language": "fr", "text": FRENCH_TEXT, "save": "1"},
        (400,),
    ),
}


@pytest.mark.parametrize("page", list(CURATOR_PAGES))
@pytest.mark.parametrize("name", NAMES)
def test_the_curators_pages_for_content_in_six_languages_answer_curators_only_and_others_change_nothing(
    world, name, page
):
    from clearinghouse.catalog.models import Threat, ThreatSynonym
    from clearinghouse.mandates.models import RevisionText

    synonym = ThreatSynonym.objects.get(threat__slug="simbox-fraud", language="fr", text="boîtier SIM")
    method, url, data, curator_answers = CURATOR_PAGES[page]
    response = getattr(world.client(name), method)(url.format(synonym=synonym.pk), data)
    person = world.people[name]
    if not person.signed_in:
        assert response.status_code == 302 and "/sign-in/" in response["Location"], page
    elif not person.curator:
        assert response.status_code == 403, (page, response.status_code)
    else:
        assert response.status_code in curator_answers, (page, response.status_code)
        return
    assert Threat.objects.get(slug="simbox-fraud").name_en == "Interconnect bypass (SIM-box) fraud"
    assert ThreatSynonym.objects.filter(pk=synonym.pk).exists()
    assert not ThreatSynonym.objects.filter(text="matrix synonym").exists()
    assert not RevisionText.objects.filter(language="fr", source="official").exists()


# -- what leaves the platform: exports, STIX, TAXII ----------------------------------------------------------


EXPORTS = {
    "catalogue CSV": ("page", f"/en/catalogue/export.csv?q={WORD}"),
    "catalogue JSON": ("page", f"/en/catalogue/export.json?q={WORD}"),
    "API CSV export": ("api", "/api/v1/measures/export/?format=csv"),
    "API JSON export": ("api", "/api/v1/measures/export/?format=json"),
}


def _body(response: Any) -> str:
    if getattr(response, "streaming", False):
        return body_of(response).decode()
    return response.content.decode()


@pytest.mark.parametrize("channel", list(EXPORTS))
@pytest.mark.parametrize("name", NAMES)
def test_exports_carry_exactly_the_published_measures_the_rule_allows_and_never_red(world, name, channel):
    how, url = EXPORTS[channel]
    client = world.client(name) if how == "page" else world.api(name)
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    assert_same(codes_in(_body(response)), exported(world, name, world.measures), world)


@pytest.mark.parametrize("name", NAMES)
def test_the_stix_export_carries_exactly_what_the_rule_allows_and_never_red(world, name):
    response = world.api(name).get("/api/v1/stix/measures/")
    assert response.status_code == 200
    expected = exported(world, name, world.measures) | exported(world, name, world.technologies)
    assert_same(codes_in(_body(response)), expected, world)


def _taxii_objects(client: Any, collection: str) -> str:
    texts, url = [], f"/taxii2/api/collections/{collection}/objects/?match[version]=all&limit=1000"
    for _ in range(50):
        response = client.get(url, **TAXII)
        assert response.status_code == 200, (url, response.status_code)
        text = _body(response)
        texts.append(text)
        envelope = json.loads(text)
        if not envelope.get("more"):
            return "\n".join(texts)
        url = f"/taxii2/api/collections/{collection}/objects/?match[version]=all&limit=1000&next={envelope['next']}"
    raise AssertionError("TAXII paging did not end")


@pytest.mark.parametrize("name", NAMES)
def test_taxii_collections_serve_every_version_of_exactly_what_their_audience_may_see(world, name):
    client = world.api(name)
    listing = client.get("/taxii2/api/collections/", **TAXII)
    assert listing.status_code == 200
    served = "\n".join(_taxii_objects(client, c["id"]) for c in listing.json()["collections"])
    audience = rule.audience_of(world.people[name])
    records = [*world.measures, *world.technologies]
    expected = {r.code for r in records if rule.leaves_the_platform(r) and rule.sees(audience, r)}
    assert_same(codes_in(served), expected, world)


@pytest.mark.parametrize("name", NAMES)
def test_a_taxii_collection_of_another_state_is_not_found_and_an_anonymous_client_is_asked_to_sign_in(world, name):
    from clearinghouse.exchange.selectors import collection_id

    client = world.api(name)
    mine = {c["id"] for c in client.get("/taxii2/api/collections/", **TAXII).json()["collections"]}
    others = [collection_id(key) for key in ("state:KE", "state:NG", "organization:interpol", "organization:gsma")]
    for collection in others:
        if collection in mine:
            continue
        for suffix in ("", "objects/", "manifest/"):
            response = client.get(f"/taxii2/api/collections/{collection}/{suffix}", **TAXII)
            if name == "reader":
                assert response.status_code == 401 and "WWW-Authenticate" in response, suffix
            else:
                assert response.status_code == 404, (collection, suffix, response.status_code)


# -- activities recorded against the records ---------------------------------------------------------------


def ever_published_and_visible(world: World, name: str) -> set[str]:
    person = world.people[name]
    return {r.code for r in world.measures if r.ever_published and rule.sees(person, r)}


@pytest.mark.parametrize("name", NAMES)
def test_activities_show_a_record_only_to_those_who_may_see_it_now(world, name):
    expected = ever_published_and_visible(world, name)
    page = html_pages(world.client(name), "/en/resolutions/activities/?kind=dissemination")
    assert_same(codes_in(page), expected, world)
    # a closed request is recorded as assistance delivered, seen with its request (issue 15)
    closed = {r.code for r in world.requests if r.extra["step"] == "closed" and rule.sees(world.people[name], r)}
    api = api_pages(world.api(name), "/api/v1/activities/?page_size=500")
    assert_same(codes_in(json.dumps(api)), expected | closed, world)
    resolution = world.client(name).get("/en/resolutions/pp/174/")
    assert resolution.status_code == 200
    assert_within(codes_in(resolution.content.decode()), expected | closed, world)


@pytest.mark.parametrize("name", NAMES)
def test_acting_on_a_measure_one_may_not_see_is_not_found_and_changes_nothing(world, name):
    from clearinghouse.catalog.models import Measure

    client, expected = world.client(name), visible_measures(world, name)
    for record in world.measures:
        if record.code in expected:
            continue
        for action in ("submit", "review", "publish", "withdraw", "files"):
            response = client.post(f"/en/catalogue/measures/{record.pk}/{action}/", {"comment": "x"})
            if name == "reader":
                assert response.status_code == 302 and "/sign-in/" in response["Location"], (record.code, action)
            else:
                assert response.status_code == 404, (record.code, action, response.status_code)
        api = world.api(name).post(f"/api/v1/measures/{record.pk}/withdraw/", {"comment": "x"})
        assert api.status_code in ((401, 403) if name == "reader" else (404,)), (record.code, api.status_code)
        assert Measure.objects.get(pk=record.pk).lifecycle == record.lifecycle


# -- implementation reports ---------------------------------------------------------------------------------

#: Who receives each edition (docs/reports.md), as the audience the rule is applied to.
EDITIONS = {
    "public": rule.Person("", signed_in=False),
    "community": rule.Person(""),
    "restricted": rule.Person("", organization="itu", curator=True),
}


@pytest.fixture(scope="module")
def reports(world: World) -> dict[str, int]:
    from clearinghouse.mandates.models import Body, Resolution
    from clearinghouse.reports.services import request_report

    resolution = Resolution.objects.get(body=Body.PP, number=174)
    made = {}
    for edition in EDITIONS:
        with TestCase.captureOnCommitCallbacks(execute=True):
            report = request_report(actor=world.users["curator"], resolution=resolution, format="html", edition=edition)
        made[edition] = report.pk
    return made


@pytest.mark.parametrize("edition", list(EDITIONS))
@pytest.mark.parametrize("name", NAMES)
def test_a_report_edition_reaches_its_audience_and_carries_only_what_its_audience_may_see(
    world, reports, name, edition
):
    response = world.client(name).get(f"/en/reports/{reports[edition]}/download/")
    audience, person = EDITIONS[edition], world.people[name]
    receives = person.curator if edition == "restricted" else person.signed_in or edition == "public"
    assert response.status_code == (200 if receives else 404), (edition, response.status_code)
    if receives:
        reported = [*world.measures, *(r for r in world.requests if r.extra["step"] == "closed")]
        expected = {r.code for r in reported if rule.leaves_the_platform(r) and rule.sees(audience, r)}
        assert_same(codes_in(_body(response)), expected, world)


@pytest.mark.parametrize("edition", list(EDITIONS))
@pytest.mark.parametrize("name", SIGNED_IN)
def test_only_the_requester_is_told_a_report_is_ready_and_its_line_describes_it_only_to_whom_it_reaches(
    world, reports, name, edition
):
    from clearinghouse.accounts import selectors
    from clearinghouse.accounts.models import Notification, NotificationKind
    from clearinghouse.reports.models import Report

    user, person = world.users[name], world.people[name]
    told = Notification.objects.filter(kind=NotificationKind.REPORT_FINISHED, about_id=reports[edition])
    assert list(told.values_list("recipient", flat=True)) == [world.users["curator"].pk]
    receives = person.curator if edition == "restricted" else True
    assert selectors.is_visible(Report.objects.get(pk=reports[edition]), user) == receives


# -- translations: the curators' dashboard and lists, XLIFF out and back, translations per record ------------


def translatable(world: World, name: str, records: list[rule.Record]) -> set[str]:
    person = world.people[name]
    return {r.code for r in records if rule.goes_to_translators(r) and rule.sees(person, r)}


TRANSLATION_PAGES = {
    "dashboard": "/en/catalogue/translations/",
    "measures missing in Spanish": "/en/catalogue/translations/es/measure/missing/",
    "measures outdated in French": "/en/catalogue/translations/fr/measure/outdated/",
    "technologies missing in Spanish": "/en/catalogue/translations/es/technology/missing/",
    "requests missing in Spanish": "/en/catalogue/translations/es/assistance-request/missing/",
    "offers missing in Spanish": "/en/catalogue/translations/es/assistance-offer/missing/",
}


@pytest.mark.parametrize("channel", list(TRANSLATION_PAGES))
@pytest.mark.parametrize("name", NAMES)
def test_the_translation_pages_are_for_curators_and_list_only_what_they_may_translate(world, name, channel):
    url = TRANSLATION_PAGES[channel]
    response = world.client(name).get(url)
    if name == "reader":
        assert response.status_code == 302 and "/sign-in/" in response["Location"]
        return
    if not world.people[name].curator:
        assert response.status_code == 403 and codes_in(response.content.decode()) == set()
        return
    text = html_pages(world.client(name), url)
    if channel == "measures missing in Spanish":
        assert_same(codes_in(text), translatable(world, name, world.measures), world)
    elif channel == "technologies missing in Spanish":
        assert_same(codes_in(text), translatable(world, name, world.technologies), world)
    elif channel == "requests missing in Spanish":  # an opened request, never a draft; the ones the curator sees
        assert_same(codes_in(text), translatable(world, name, world.requests), world)
    elif channel == "offers missing in Spanish":
        assert_same(codes_in(text), translatable(world, name, world.offers), world)
    else:
        assert codes_in(text) == set()


XLIFF_EXPORTS = {
    "page": "/en/catalogue/translations/export.xlf?language=es",
    "API": "/api/v1/translations/xliff/?language=es",
}


@pytest.mark.parametrize("channel", list(XLIFF_EXPORTS))
@pytest.mark.parametrize("name", NAMES)
def test_an_xliff_export_carries_exactly_what_the_curator_may_translate_and_never_red(world, name, channel):
    client = world.client(name) if channel == "page" else world.api(name)
    response = client.get(XLIFF_EXPORTS[channel])
    if not world.people[name].curator:
        assert response.status_code in ((302, 401, 403) if name == "reader" else (403,)), response.status_code
        assert codes_in(response.content.decode()) == set()
        return
    assert response.status_code == 200
    expected = translatable(world, name, world.measures) | translatable(world, name, world.technologies)
    expected |= translatable(world, name, world.requests) | translatable(world, name, world.offers)
    assert_same(codes_in(response.content.decode()), expected, world)


def _xliff_naming_every_measure(world: World) -> bytes:
    from clearinghouse.catalog.models import Measure

    texts = dict(Measure.objects.filter(pk__in=[r.pk for r in world.measures]).values_list("pk", "title"))
    units = "".join(
        f'<trans-unit id="measure/{pk}/title"><source>{title}</source><target state="translated">T</target>'
        "</trans-unit>"
        for pk, title in sorted(texts.items())
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">'
        '<file original="all" source-language="en" target-language="ru" datatype="plaintext">'
        f"<body>{units}</body></file></xliff>"
    ).encode()


@pytest.mark.parametrize("name", NAMES)
def test_an_xliff_import_answers_records_one_may_not_translate_as_unknown_and_writes_nothing(world, name):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from clearinghouse.catalog.models import MeasureTranslation

    before = MeasureTranslation.objects.filter(language="ru").count()
    upload = SimpleUploadedFile("ru.xlf", _xliff_naming_every_measure(world))
    response = world.api(name).post("/api/v1/translations/xliff/", {"language": "ru", "file": upload})
    assert MeasureTranslation.objects.filter(language="ru").count() == before
    if not world.people[name].curator:
        assert response.status_code in ((401, 403) if name == "reader" else (403,)), response.status_code
        return
    assert response.status_code == 400
    refused = {int(pk) for pk in re.findall(r"there is no measure (\d+)", " ".join(response.json()["file"]))}
    allowed = translatable(world, name, world.measures)
    assert refused == {r.pk for r in world.measures if r.code not in allowed}


@pytest.mark.parametrize("name", NAMES)
def test_a_measure_s_translations_are_given_to_exactly_whom_the_rule_allows(world, name):
    client, seen = world.api(name), set()
    for record in world.measures:
        response = client.get(f"/api/v1/measures/{record.pk}/translations/")
        assert response.status_code in (200, 404), (record.code, response.status_code)
        if response.status_code == 200:
            seen.add(record.code)
            assert response.json()[0]["language"] == "fr"
    assert_same(seen, visible_measures(world, name), world)


@pytest.mark.parametrize("name", NAMES)
def test_a_technology_s_translations_are_given_to_exactly_whom_the_rule_allows(world, name):
    client, seen = world.api(name), set()
    for record in world.technologies:
        response = client.get(f"/api/v1/technologies/{record.extra['slug']}/translations/")
        assert response.status_code in (200, 404), (record.code, response.status_code)
        if response.status_code == 200:
            seen.add(record.code)
    assert_same(seen, visible_technologies(world, name), world)


@pytest.mark.parametrize("name", NAMES)
def test_reviewing_a_translation_of_a_measure_one_may_not_translate_is_not_found(world, name):
    client, allowed = world.client(name), translatable(world, name, world.measures)
    for record in world.measures:
        response = client.post(f"/en/catalogue/translations/review/measure/{record.pk}/fr/")
        if name == "reader":
            assert response.status_code == 302 and "/sign-in/" in response["Location"]
        elif not world.people[name].curator:
            assert response.status_code == 403
        else:
            assert response.status_code == (302 if record.code in allowed else 404), (record.code, response.status_code)


# -- the public page cache (issue 13): on in every test above; here each channel is asked as every member
# first, then twice as the public reader (the second answer from the cache), then as every member again ---------


CACHED_CHANNELS = {
    "catalogue": ("page", "/en/catalogue/"),
    "catalogue search": ("page", f"/en/catalogue/?q={WORD}"),
    "catalogue search in Arabic": ("page", f"/ar/catalogue/?q={WORD}"),
    "technologies": ("page", "/en/catalogue/technologies/"),
    "catalogue CSV": ("page", f"/en/catalogue/export.csv?q={WORD}"),
    "API list": ("api", "/api/v1/measures/"),
    "API search": ("api", f"/api/v1/measures/?q={WORD}"),
    "API technologies": ("api", "/api/v1/technologies/"),
    "API CSV export": ("api", "/api/v1/measures/export/?format=csv"),
    "STIX export": ("api", "/api/v1/stix/measures/"),
}


def _codes_seen(world: World, name: str, how: str, url: str) -> tuple[set[str], str]:
    client = world.client(name) if how == "page" else world.api(name)
    response = client.get(url)
    assert response.status_code == 200, (name, url, response.status_code)
    return codes_in(_body(response)), response.get("X-Page-Cache", "")


@pytest.mark.parametrize("channel", list(CACHED_CHANNELS))
def test_the_public_page_cache_serves_the_reader_alone_and_only_what_the_reader_may_see(world, channel):
    how, url = CACHED_CHANNELS[channel]
    before = {name: _codes_seen(world, name, how, url) for name in SIGNED_IN}
    assert all(state == "" for _, state in before.values()), "a member's answer went through the cache"
    first, first_state = _codes_seen(world, "reader", how, url)
    second, second_state = _codes_seen(world, "reader", how, url)
    assert (first_state, second_state) == ("miss", "hit")
    assert first == second
    expected = visible_measures(world, "reader") | visible_technologies(world, "reader")
    assert_within(second, expected, world)
    for name in SIGNED_IN:  # what the reader was answered from the cache is never what a member is answered
        codes, state = _codes_seen(world, name, how, url)
        assert state == "" and codes == before[name][0], name


# -- the points-of-contact directory (issue 14): signed-in members only, by the one rule, never exported ------

CONTACT_PAGES = {
    "directory": ("/en/directory/", None),
    "directory in Arabic, searched": (f"/ar/directory/?q={WORD}", None),
    "Kenya's page": ("/en/member-states/KE/", "KE"),
    "INTERPOL's page": ("/en/organizations/interpol/", "interpol"),
}


def visible_contacts(world: World, name: str, owner: str | None = None) -> set[str]:
    contacts = [c for c in world.contacts if owner in (None, c.owner_state, c.owner_organization)]
    return _visible(world, name, contacts) if world.people[name].signed_in else set()


@pytest.mark.parametrize("channel", list(CONTACT_PAGES))
@pytest.mark.parametrize("name", NAMES)
def test_the_directory_and_the_owners_pages_show_exactly_the_contacts_the_rule_allows(world, name, channel):
    url, owner = CONTACT_PAGES[channel]
    response = world.client(name).get(url)
    if name == "reader" and owner is None:
        assert response.status_code == 302  # to sign in
        return
    text = html_pages(world.client(name), url)
    contacts = {c.code for c in world.contacts}
    assert_same(codes_in(text) & contacts, visible_contacts(world, name, owner), world)


@pytest.mark.parametrize("name", NAMES)
def test_the_contacts_api_gives_exactly_the_contacts_the_rule_allows_and_nothing_to_the_public(world, name):
    client = world.api(name)
    if name == "reader":
        assert client.get("/api/v1/contacts/").status_code in (401, 403)
        return
    seen = {code for page in api_pages(client, "/api/v1/contacts/") for code in codes_in(json.dumps(page))}
    assert_same(seen, visible_contacts(world, name), world)
    for contact in world.contacts:
        answer = client.get(f"/api/v1/contacts/{contact.pk}/")
        assert answer.status_code == (200 if contact.code in visible_contacts(world, name) else 404)


# -- people: the members pages, invitations and their API (issue 14) ---------------------------------------------
#
# Kenya (alice leads it, kofi is a member) and INTERPOL (oscar leads it) are the groups acted on. The expected
# answer comes from docs/roles.md ("Within a state or organization", "Who may invite whom"), through rule.py.

GROUPS = {"Kenya": {"state": "KE"}, "INTERPOL": {"organization": "interpol"}}
GROUP_PATHS = {"Kenya": "/en/member-states/KE/members/", "INTERPOL": "/en/organizations/interpol/members/"}
INVITABLE_ROLES = ("focal_point", "contributor", "curator", "administrator")


def _group_fields(group: str) -> dict[str, str]:
    return {"member_state": "KE"} if group == "Kenya" else {"organization": "interpol"}


@pytest.mark.parametrize("group", list(GROUPS))
@pytest.mark.parametrize("name", NAMES)
def test_the_members_page_answers_its_members_and_the_secretariat_and_nobody_else(world, name, group):
    person, client = world.people[name], world.client(name)
    members, invite = client.get(GROUP_PATHS[group]), client.get(GROUP_PATHS[group] + "invite/")
    if not person.signed_in:
        assert members.status_code == invite.status_code == 302 and "/sign-in/" in members["Location"]
        return
    assert members.status_code == (200 if rule.sees_members(person, **GROUPS[group]) else 403)
    assert invite.status_code == (200 if rule.manages_members(person, **GROUPS[group]) else 403)
    if members.status_code == 200:
        text = members.content.decode()
        assert ("Invite a colleague" in text) == rule.manages_members(person, **GROUPS[group])
        assert "mx-bob@example.org" not in text  # nobody of another group is listed


@pytest.mark.parametrize("role", INVITABLE_ROLES)
@pytest.mark.parametrize("group", list(GROUPS))
@pytest.mark.parametrize("name", NAMES)
def test_an_invitation_is_accepted_only_within_the_inviter_s_reach_on_the_page_and_in_the_api(world, name, group, role):
    from clearinghouse.accounts.models import Invitation

    person = world.people[name]
    data = {"email": f"new-{name}@example.org", "role": role, "position": "member", "language": "en"}
    page = world.client(name).post(GROUP_PATHS[group] + "invite/", data)
    api = world.api(name).post(
        "/api/v1/invitations/", {**data, **_group_fields(group)}, content_type="application/json"
    )
    # a state's people are its focal points; an organization's, contributors (or the Secretariat's curators)
    fits = role == "focal_point" if group == "Kenya" else role != "focal_point"
    if not person.signed_in:
        assert page.status_code == 302 and "/sign-in/" in page["Location"]
        assert api.status_code == 401
    elif not fits:  # a role the group cannot hold (a focal point of INTERPOL): refused as invalid, or beyond reach
        assert page.status_code in (400, 403) and api.status_code in (400, 403), (page.status_code, api.status_code)
    elif rule.may_invite_as(person, role, **GROUPS[group]):
        assert page.status_code == 302 and api.status_code == 201, (page.status_code, api.status_code)
        sent = Invitation.objects.filter(email=data["email"])
        assert sent.count() == 2 and sent.pending().count() == 1  # the newer replaced the page's
        return
    else:
        assert page.status_code == 403 and api.status_code == 403, (page.status_code, api.status_code)
    assert not Invitation.objects.filter(email=data["email"]).exists()


MEMBER_ACTIONS = {
    "make a lead": ("position/", {"position": "lead"}),
    "deactivate": ("deactivate/", {}),
    "reset two-factor": ("reset-two-factor/", {}),
}


@pytest.mark.parametrize("action", list(MEMBER_ACTIONS))
@pytest.mark.parametrize("name", NAMES)
def test_acting_on_a_member_is_for_their_leads_and_administrators_404_for_those_who_may_not_see_them(
    world, name, action
):
    from clearinghouse.accounts.models import User

    person, kofi = world.people[name], world.users["kofi"]
    suffix, data = MEMBER_ACTIONS[action]
    response = world.client(name).post(f"/en/members/{kofi.pk}/{suffix}", data)
    allowed = rule.manages_members(person, state="KE") and name != "kofi"
    if action == "reset two-factor":
        allowed = person.administrator
    if not person.signed_in:
        assert response.status_code == 302 and "/sign-in/" in response["Location"]
    elif allowed:
        assert response.status_code == 302, (action, response.status_code)
        return
    elif rule.sees_members(person, state="KE"):
        assert response.status_code == 403, (action, response.status_code)
    else:
        assert response.status_code == 404, (action, response.status_code)
    after = User.objects.select_related("membership").get(pk=kofi.pk)
    assert after.is_active and after.membership.position == "member"


@pytest.mark.parametrize("name", NAMES)
def test_pending_invitations_are_listed_and_revoked_by_whom_manages_them_and_not_found_by_others(world, name):
    from clearinghouse.accounts import services
    from clearinghouse.accounts.models import Invitation

    kenyan = services.invite_person(
        actor=world.users["alice"],
        email="pending@example.org",
        role="focal_point",
        member_state=world.users["alice"].member_state,
    )
    person, api = world.people[name], world.api(name)
    listed = api.get("/api/v1/invitations/")
    revoked = world.client(name).post(f"/en/invitations/{kenyan.pk}/revoke/")
    if not person.signed_in:
        assert listed.status_code == 401
        assert revoked.status_code == 302 and "/sign-in/" in revoked["Location"]
    elif rule.manages_members(person, state="KE"):
        assert [i["email"] for i in listed.json()["results"]] == ["pending@example.org"]
        assert revoked.status_code == 302
        return
    else:
        assert listed.json()["count"] == 0
        assert revoked.status_code == 404
    assert Invitation.objects.get(pk=kenyan.pk).is_pending


# -- notifications (issue 14): each person's own inbox, describing only what the rule lets them see now ------------


@pytest.mark.parametrize("name", NAMES)
def test_the_inbox_and_its_api_give_each_person_their_own_notifications_describing_only_what_they_may_see(world, name):
    from clearinghouse.accounts.models import Notification

    # the world's workflow tells of measures, and of the requests for assistance opened, matched and followed
    expected = visible_measures(world, name) | visible_requests(world, name)
    client, api = world.client(name), world.api(name)
    if not world.people[name].signed_in:
        assert client.get("/en/account/notifications/").status_code == 302
        assert api.get("/api/v1/notifications/").status_code == 401
        return
    user = world.users[name]
    assert_within(codes_in(html_pages(client, "/en/account/notifications/")), expected, world)
    pages = api_pages(api, "/api/v1/notifications/?page_size=500")
    assert_within(codes_in(json.dumps(pages)), expected, world)
    own = set(Notification.objects.filter(recipient=user).values_list("pk", flat=True))
    assert own or name not in ("alice", "oscar", "curator")  # the world's workflow told them something
    assert {item["id"] for page in pages for item in page["results"]} == own
    others = Notification.objects.exclude(recipient=user).values_list("pk", flat=True)[:3]
    for pk in others:
        assert client.post(f"/en/account/notifications/{pk}/read/").status_code == 404
        assert api.post(f"/api/v1/notifications/{pk}/read/").status_code == 404
    assert not Notification.objects.filter(pk__in=list(others), read_at__isnull=False).exists()


@pytest.mark.parametrize("name", NAMES)
def test_the_administrators_page_of_invitations_and_mail_failures_answers_administrators_only(world, name):
    from clearinghouse.accounts import selectors, services
    from clearinghouse.accounts.models import Invitation, MailFailure

    services.invite_person(
        actor=world.users["alice"],
        email="pending@example.org",
        role="focal_point",
        member_state=world.users["alice"].member_state,
    )
    failure = MailFailure.objects.create(purpose="notification", address="broken@example.org", error="refused")
    person, client = world.people[name], world.client(name)
    page, new = client.get("/en/invitations/"), client.get("/en/invitations/new/")
    data = {"email": f"curator-{name}@example.org", "role": "curator", "language": "en"}
    posted = client.post("/en/invitations/new/", data)
    if not person.signed_in:
        for response in (page, new, posted):
            assert response.status_code == 302 and "/sign-in/" in response["Location"]
    elif person.administrator:
        assert page.status_code == new.status_code == 200 and posted.status_code == 302
        text = page.content.decode()
        assert "pending@example.org" in text and "broken@example.org" in text
        invited = Invitation.objects.get(email=data["email"])
        assert (invited.role, invited.member_state, invited.organization) == ("curator", None, None)
    else:
        assert page.status_code == new.status_code == posted.status_code == 403
        assert "broken@example.org" not in page.content.decode()
        assert not Invitation.objects.filter(email=data["email"]).exists()
    user = world.users.get(name)
    assert selectors.is_visible(failure, user) == bool(person.signed_in and person.administrator)


# -- assistance (issue 15): requests and offers on their pages, lists, counts, a state's page and the API -------
#
# A request's step is read in the column of the sharing table docs/assistance.md names for it (rule.py).


def visible_requests(world: World, name: str, steps: tuple[str, ...] | None = None) -> set[str]:
    records = [r for r in world.requests if steps is None or r.extra["step"] in steps]
    return _visible(world, name, records)


def visible_offers(world: World, name: str, *, published_only: bool = False) -> set[str]:
    records = [r for r in world.offers if not published_only or r.lifecycle == "published"]
    return _visible(world, name, records)


def assistance_codes(world: World) -> set[str]:
    return {r.code for r in (*world.requests, *world.offers)}


ASSISTANCE_DETAILS = {
    "request page": ("/en/assistance/requests/{pk}/", "requests"),
    "request page in Arabic": ("/ar/assistance/requests/{pk}/", "requests"),
    "offer page": ("/en/assistance/offers/{pk}/", "offers"),
}


@pytest.mark.parametrize("channel", list(ASSISTANCE_DETAILS))
@pytest.mark.parametrize("name", NAMES)
def test_a_request_s_or_an_offer_s_page_answers_exactly_whom_the_rule_allows_and_reveals_nothing_else(
    world, name, channel
):
    url, kind = ASSISTANCE_DETAILS[channel]
    records = world.requests if kind == "requests" else world.offers
    expected = _visible(world, name, records)
    may_meet = visible_requests(world, name) | visible_offers(world, name) | visible_measures(world, name)
    client, seen = world.client(name), set()
    for record in records:
        response = client.get(url.format(pk=record.pk))
        assert response.status_code in (200, 404), (record.code, response.status_code)
        if response.status_code == 200:
            seen.add(record.code)
            assert_within(codes_in(response.content.decode()), may_meet, world)
    assert_same(seen, expected, world)


ASSISTANCE_LISTS = {
    "requests looking for help": ("/en/assistance/", "requests", ("open", "matched")),
    "requests at every stage, in Arabic": ("/ar/assistance/?stage=", "requests", None),
    "requests of a threat": ("/en/assistance/?stage=&threat=device-theft", "requests", None),
    "offers": ("/en/assistance/offers/?kind=training", "offers", None),
    # search (assistance.search): every record of the world has WORD in its title
    "requests searched at every stage": (f"/en/assistance/?stage=&q={WORD}", "requests", None),
    "requests looking for help, searched in Arabic": (f"/ar/assistance/?q={WORD}", "requests", ("open", "matched")),
    "requests searched by their threat's Russian name": ("/en/assistance/?stage=&q=кража", "requests", None),
    "offers searched": (f"/en/assistance/offers/?q={WORD}", "offers", None),
}


@pytest.mark.parametrize("channel", list(ASSISTANCE_LISTS))
@pytest.mark.parametrize("name", NAMES)
def test_the_assistance_lists_show_exactly_the_requests_and_offers_the_rule_allows(world, name, channel):
    url, kind, steps = ASSISTANCE_LISTS[channel]
    text = html_pages(world.client(name), url)
    if kind == "requests":
        expected = visible_requests(world, name, steps)
        assert_same(codes_in(text) & {r.code for r in world.requests}, expected, world)
    else:  # the offers on offer, and above them one's own, drafts and withdrawn ones too
        person = world.people[name]
        own = {r.code for r in world.offers if r.owner_state == person.state and person.state}
        own |= {r.code for r in world.offers if r.owner_organization == person.organization and person.organization}
        expected = visible_offers(world, name, published_only=True) | (own & visible_offers(world, name))
        assert_same(codes_in(text) & {r.code for r in world.offers}, expected, world)


@pytest.mark.parametrize("name", NAMES)
def test_the_counts_on_the_assistance_home_count_only_what_the_rule_allows(world, name):
    text = world.client(name).get("/en/assistance/?stage=").content.decode()
    expected = len(visible_requests(world, name))  # every request of the world is Kenya's, in Africa, on one threat

    def cell(key: str) -> int:
        found = re.search(rf'data-count="{key}">(\d+)<', text)
        return int(found.group(1)) if found else 0

    assert (cell("region-africa"), cell("region-europe"), cell("threat-device-theft")) == (expected, 0, expected)
    kenya_groups = set(world.users["alice"].member_state.groups.values_list("code", flat=True))
    for group in ("ldc", "sids", "lldc", "eit"):
        assert cell(f"group-{group}") == (expected if group in kenya_groups else 0), group


@pytest.mark.parametrize("name", NAMES)
def test_the_figures_on_the_assistance_home_count_only_what_the_rule_allows(world, name):
    # every request of the world was opened but the drafts; none is illustrative; the closed ones were matched
    # and delivered (docs/assistance.md, "Figures")
    text = world.client(name).get("/en/assistance/").content.decode()

    def figure(key: str) -> int:
        found = re.search(rf'data-figure="{key}">(\d+)', text)
        assert found, key
        return int(found.group(1))

    opened = visible_requests(world, name, tuple(s for s in rule.column_of_step() if s != "draft"))
    closed = visible_requests(world, name, ("closed",))
    matched = visible_requests(world, name, ("matched", "closed"))
    assert (figure("opened"), figure("matched"), figure("delivered"), figure("closed")) == (
        len(opened),
        len(matched),
        len(closed),
        len(closed),
    )
    assert "data-figure-illustrative" not in text


@pytest.mark.parametrize("name", NAMES)
def test_a_state_s_page_lists_exactly_its_requests_and_offers_the_rule_allows(world, name):
    codes = codes_in(world.client(name).get("/en/member-states/KE/").content.decode()) & assistance_codes(world)
    kenyan_offers = {r.code for r in world.offers if r.owner_state == "KE"}
    expected = visible_requests(world, name) | (visible_offers(world, name) & kenyan_offers)
    assert_same(codes, expected, world)


PROFILES = {
    "Kenya": ("/en/member-states/KE/", "KE", None),
    "INTERPOL": ("/en/organizations/interpol/", None, "interpol"),
}


@pytest.mark.parametrize("owner", list(PROFILES))
@pytest.mark.parametrize("name", NAMES)
def test_a_profile_lists_and_counts_exactly_the_owner_s_measures_the_rule_allows(world, name, owner):
    """The profile's counts are aggregates: an AMBER measure the reader may not see changes no figure (issue 16)."""
    url, state, organization = PROFILES[owner]
    text = world.client(name).get(url).content.decode()
    owned = {r.code for r in world.measures if (r.owner_state, r.owner_organization) == (state, organization)}
    expected = visible_measures(world, name) & owned
    listed = codes_in(text) & {r.code for r in world.measures}
    if len(expected) <= 10:  # the page lists the ten latest
        assert_same(listed, expected, world)
    else:
        assert_within(listed, expected, world)
    total = re.search(r'data-profile="total">([\d,]+) measures?,', text)
    assert (int(total.group(1).replace(",", "")) if total else 0) == len(expected), name
    technologies = codes_in(text) & {r.code for r in world.technologies}
    assert_within(technologies, visible_technologies(world, name), world)


@pytest.mark.parametrize("name", NAMES)
def test_the_comparison_and_its_csv_give_exactly_the_measures_the_rule_allows(world, name):
    """Member States side by side (issue 16): the counts, the list and the CSV of Kenya's measures."""
    client = world.client(name)
    kenyan = [r for r in world.measures if r.owner_state == "KE"]
    expected = visible_measures(world, name) & {r.code for r in kenyan}
    page = client.get("/en/member-states/compare/?state=KE&state=NG").content.decode()
    listed = codes_in(page) & {r.code for r in world.measures}
    if len(expected) <= 20:  # the page lists the twenty published last
        assert_same(listed, expected, world)
    else:
        assert_within(listed, expected, world)
        assert len(listed) == 20, name
    total = re.search(r'data-total="0">([\d,]+) / ([\d,]+)<', page)
    assert total and int(total.group(2).replace(",", "")) == len(expected), name
    answer = client.get("/en/member-states/compare/?state=KE&format=csv")
    text = body_of(answer).decode("utf-8-sig")
    assert_same(codes_in(text) & {r.code for r in world.measures}, exported(world, name, kenyan), world)


@contextmanager
def in_operation(records: list[rule.Record]) -> Iterator[None]:
    """These measures put in operation for the requests of the block (re-indexed, as the catalogue's services do), and
    as they were after it."""
    from clearinghouse.catalog import search
    from clearinghouse.catalog.models import Measure

    with transaction.atomic():
        for measure in Measure.objects.filter(pk__in=[r.pk for r in records]):
            measure.status = "operational"
            measure.save(update_fields=["status"])
            search.index_measure(measure)
        yield
        transaction.set_rollback(True)


@pytest.mark.parametrize("name", NAMES)
def test_a_state_s_gaps_count_only_the_peers_measures_in_operation_the_rule_allows(world, name):
    """The gap page's counts are aggregates (issue 16): Kenya's measures the public may not see are put in operation;
    Nigeria's page (Kenya's region) counts Kenya against device theft only for those who may see one of them."""
    hidden = [r for r in world.measures if r.owner_state == "KE" and not rule.sees(world.people["reader"], r)]
    with in_operation(hidden):
        text = world.client(name).get("/en/member-states/NG/gaps/").content.decode()
    sees_one = bool(visible_measures(world, name) & {r.code for r in hidden})
    assert ('data-gap="threat-device-theft"' in text) == sees_one, name
    assert ('data-gap="pillar-technical"' in text) == sees_one, name


@pytest.mark.parametrize("name", NAMES)
def test_the_telecom_tracker_and_its_csv_count_only_the_measures_the_rule_allows(world, name):
    """The tracker's marks are aggregates (issue 16): Kenya's measures the public may not see are put in operation;
    Kenya is marked as having adopted one against device theft only for those who may see one of them."""
    kenyan = [r for r in world.measures if r.owner_state == "KE"]
    hidden = [r for r in kenyan if not rule.sees(world.people["reader"], r)]
    with in_operation(hidden):
        client = world.client(name)
        page = client.get("/en/tracker/?region=africa").content.decode()
        answer = client.get("/en/tracker/?region=africa&format=csv")
        text = body_of(answer).decode("utf-8-sig")
    seen = visible_measures(world, name)
    expected = (
        "adopted" if seen & {r.code for r in hidden} else "in-progress" if seen & {r.code for r in kenyan} else "none"
    )
    row = re.search(r'<tr data-state="KE">(.*?)</tr>', page, re.S)
    assert row and re.findall(r'data-status="([a-z-]+)"', row.group(1))[-1] == expected, name
    assert re.search(r"^KE,[^\n]*," + expected + r"\r?$", text, re.M), name


@pytest.mark.parametrize("name", NAMES)
def test_the_comparison_s_tracker_marks_only_what_the_rule_allows(world, name):
    """The comparison shows the tracker for the states compared (issue 16, item 2): Kenya's measures the public may
    not see are put in operation; Kenya is marked as having adopted one against device theft only for those who may
    see one of them."""
    kenyan = [r for r in world.measures if r.owner_state == "KE"]
    hidden = [r for r in kenyan if not rule.sees(world.people["reader"], r)]
    with in_operation(hidden):
        page = world.client(name).get("/en/member-states/compare/?state=KE&state=NG").content.decode()
    seen = visible_measures(world, name)
    expected = (
        "adopted" if seen & {r.code for r in hidden} else "in-progress" if seen & {r.code for r in kenyan} else "none"
    )
    row = re.search(r'<tr data-tracked="device-theft">(.*?)</tr>', page, re.S)
    assert row and re.findall(r'data-status="([a-z-]+)"', row.group(1))[0] == expected, name


@pytest.mark.parametrize("name", NAMES)
def test_recommendations_name_only_measures_the_rule_allows(world, name):
    """ "Countries like mine" (issue 16): Kenya's measures put in operation, recommended to Nigeria (its region)
    only as the reader may see them, and every one the reader may see among them is counted on."""
    kenyan = [r for r in world.measures if r.owner_state == "KE"]
    with in_operation(kenyan):
        text = world.client(name).get("/en/member-states/NG/recommendations/").content.decode()
    listed = codes_in(text) & {r.code for r in kenyan}
    visible = visible_measures(world, name) & {r.code for r in kenyan}
    assert_within(listed, visible, world)
    assert bool(listed) == bool(visible), name


@pytest.mark.parametrize("name", NAMES)
def test_recommended_technologies_are_only_those_the_rule_allows_used_in_measures_it_allows(world, name):
    """ "Countries like mine" recommends technologies (issue 16, item 4): Kenya's measures the public may not see
    are put in operation, each using the carrier technology and every technology of the Secretariat. Nigeria (Kenya's
    region) is recommended technologies only if the reader may see one of those measures, then each technology the
    reader may see (the carrier too), and the example shown is always a measure the reader sees."""
    from clearinghouse.catalog import search
    from clearinghouse.catalog.models import Measure

    hidden = [r for r in world.measures if r.owner_state == "KE" and not rule.sees(world.people["reader"], r)]
    with in_operation(hidden):
        for measure in Measure.objects.filter(pk__in=[r.pk for r in hidden]):
            measure.technologies.add(*[r.pk for r in world.technologies])
            search.index_measure(measure)
        text = world.client(name).get("/en/member-states/NG/recommendations/").content.decode()
    items = dict(re.findall(r'<li data-recommended-technology="([\w-]+)">(.*?)</li>', text, re.S))
    seen = visible_measures(world, name)
    sees_one = bool(seen & {r.code for r in hidden})
    allowed = visible_technologies(world, name) if sees_one else set()
    listed = {r.code for r in world.technologies if r.extra["slug"] in items}
    assert_within(listed, allowed, world)
    assert len(items) == (min(len(allowed) + 1, 10) if sees_one else 0), name
    assert ("qzcarrier" in items) == sees_one or len(allowed) >= 10, name
    for body in items.values():
        assert_within(codes_in(body) & {r.code for r in world.measures}, seen, world)


@pytest.mark.parametrize("name", NAMES)
def test_the_home_page_s_map_counts_only_the_published_measures_the_rule_allows(world, name):
    """The map's figures are aggregates (issue 16): Kenya's published measures the reader may see, no other."""
    text = world.client(name).get("/en/").content.decode()
    published = [r for r in world.measures if r.owner_state == "KE" and r.lifecycle == Lifecycle.PUBLISHED]
    expected = len(visible_measures(world, name) & {r.code for r in published})
    shown = re.search(r'data-numeric="404"><title>Kenya: ([\d,]+) measures?</title>', text)
    assert (int(shown.group(1).replace(",", "")) if shown else 0) == expected, name


@pytest.mark.parametrize("name", NAMES)
def test_the_catalogue_s_map_counts_only_the_measures_the_rule_allows(world, name):
    """The catalogue as a map (issue 16, item 6): Kenya's figure is its measures the reader may see, no other."""
    text = world.client(name).get("/en/catalogue/?view=map").content.decode()
    expected = len(visible_measures(world, name) & {r.code for r in world.measures if r.owner_state == "KE"})
    shown = re.search(r'data-numeric="404"><title>Kenya: ([\d,]+) measures?</title>', text)
    assert (int(shown.group(1).replace(",", "")) if shown else 0) == expected, name


@pytest.mark.parametrize("name", NAMES)
def test_a_profile_s_map_of_its_region_counts_only_the_published_measures_the_rule_allows(world, name):
    """Nigeria's page maps the states of its region (issue 16, item 6): Kenya's figure is its published measures the
    reader may see, no other; Nigeria itself is outlined."""
    text = world.client(name).get("/en/member-states/NG/").content.decode()
    published = [r for r in world.measures if r.owner_state == "KE" and r.lifecycle == Lifecycle.PUBLISHED]
    expected = len(visible_measures(world, name) & {r.code for r in published})
    region = text[text.index('id="region-map"') :]
    shown = re.search(r'data-numeric="404"><title>Kenya: ([\d,]+) measures?</title>', region)
    assert (int(shown.group(1).replace(",", "")) if shown else 0) == expected, name


@pytest.mark.parametrize("name", NAMES)
def test_the_assistance_api_gives_exactly_the_requests_and_offers_the_rule_allows(world, name):
    client = world.api(name)
    for kind, records, expected in (
        ("assistance-requests", world.requests, visible_requests(world, name)),
        ("assistance-offers", world.offers, visible_offers(world, name)),
    ):
        for search in ("", f"&q={WORD}"):  # listed, and searched (assistance.search)
            pages = api_pages(client, f"/api/v1/{kind}/?page_size=500{search}")
            listed = codes_in(json.dumps(pages)) & {r.code for r in records}
            assert_same(listed, expected, world)
            assert pages[0]["count"] == len(expected)
        for record in records:
            answer = client.get(f"/api/v1/{kind}/{record.pk}/")
            assert answer.status_code == (200 if record.code in expected else 404), (record.code, answer.status_code)
            if answer.status_code == 200:
                may_meet = visible_requests(world, name) | visible_offers(world, name) | visible_measures(world, name)
                assert_within(codes_in(answer.content.decode()), may_meet, world)


#: A request's or an offer's STIX 2.1 bundle (the API action its page links to): the record, and the records it is
#: linked to (the offers the state chose, the requests an offer was chosen for, the measures a request names)
#: named by their STIX ids only when the persona may see them.
ASSISTANCE_STIX = {
    "request bundle": ("assistance-requests", "requests"),
    "offer bundle": ("assistance-offers", "offers"),
}


@pytest.mark.parametrize("channel", list(ASSISTANCE_STIX))
@pytest.mark.parametrize("name", NAMES)
def test_a_request_s_or_an_offer_s_stix_bundle_goes_exactly_to_whom_the_rule_allows_and_links_nothing_else(
    world, name, channel
):
    from clearinghouse.exchange import stix

    kind, which = ASSISTANCE_STIX[channel]
    records = world.requests if which == "requests" else world.offers
    refs = {stix.stix_id(stix.REQUEST_TYPE, f"request:{r.pk}"): r.code for r in world.requests}
    refs |= {stix.stix_id(stix.OFFER_TYPE, f"offer:{r.pk}"): r.code for r in world.offers}
    refs |= {stix.stix_id("course-of-action", f"measure:{r.pk}"): r.code for r in world.measures}
    # no request or offer is TLP:RED (the services refuse it), so the rule's audience is the bundle's
    may_link = visible_requests(world, name) | visible_offers(world, name) | exported(world, name, world.measures)
    client, seen, linked = world.api(name), set(), set()
    for record in records:
        response = client.get(f"/api/v1/{kind}/{record.pk}/stix/")
        assert response.status_code in (200, 404), (record.code, response.status_code)
        if response.status_code == 200:
            seen.add(record.code)
            body = _body(response)
            assert codes_in(body) == {record.code}, record.code
            named = {code for ref, code in refs.items() if ref in body} - {record.code}
            assert_within(named, may_link, world)
            linked |= named
    assert_same(seen, _visible(world, name, records), world)
    if which == "requests" and seen & {r.code for r in world.requests if r.extra["step"] == "closed"}:
        assert "qz699" in linked  # the Secretariat's offer, chosen for the closed requests, is linked


#: Each step tried, who the docs let take it (docs/assistance.md), and the steps of the requests it is tried on.
ASSISTANCE_ACTIONS = {
    "open": (("draft",), lambda p: p.state == "KE"),
    "choose": (("matched",), lambda p: p.state == "KE"),
    "propose": (("open",), lambda p: p.curator),  # the Secretariat's offer: its curators put it forward
    "hide": (("open",), lambda p: p.curator),
}
API_ACTIONS = {"open": "open", "choose": "choose", "propose": "propose", "hide": "hide"}


@pytest.mark.parametrize("action", list(ASSISTANCE_ACTIONS))
@pytest.mark.parametrize("name", NAMES)
def test_a_step_on_a_request_is_refused_to_whoever_may_not_take_it_and_changes_nothing(world, name, action):
    from clearinghouse.assistance.models import AssistanceRequest, Engagement

    steps, may = ASSISTANCE_ACTIONS[action]
    person = world.people[name]
    if may(person):
        return  # taking it would change the world the other tests read; tests/test_pages.py takes each step
    carrier = next(r for r in world.offers if r.code == "qz699")
    data = {"offers": [carrier.pk], "offer": carrier.pk, "reason": "x", "comment": "x"}
    seen = visible_requests(world, name)
    before = {r.pk: (r.extra["step"], Engagement.objects.filter(request_id=r.pk).count()) for r in world.requests}
    for record in (r for r in world.requests if r.extra["step"] in steps):
        page = world.client(name).post(f"/en/assistance/requests/{record.pk}/{action}/", data)
        api = world.api(name).post(
            f"/api/v1/assistance-requests/{record.pk}/{API_ACTIONS[action]}/", data, content_type="application/json"
        )
        if name == "reader":
            assert page.status_code == 302 and "/sign-in/" in page["Location"], record.code
            assert api.status_code in (401, 403), (record.code, api.status_code)
        else:
            expected = 403 if record.code in seen else 404
            assert (page.status_code, api.status_code) == (expected, expected), (record.code, action)
    for record in world.requests:
        item = AssistanceRequest.objects.get(pk=record.pk)
        step = "hidden" if item.hidden_at else item.stage
        assert (step, Engagement.objects.filter(request=item).count()) == before[record.pk], record.code


# -- translations of requests and offers: the form page, and the API's translations of each -----------------------


def may_translate(world: World, name: str, record: rule.Record) -> bool:
    """docs/assistance.md: the people of the requesting state (or offering state or organization) and the curators
    translate a request or an offer they may see."""
    person = world.people[name]
    own = (record.owner_state is not None and person.state == record.owner_state) or (
        record.owner_organization is not None and person.organization == record.owner_organization
    )
    return rule.sees(person, record) and (own or person.curator)


ASSISTANCE_TRANSLATION_PAGES = {
    "request": ("/en/assistance/requests/{pk}/translation/", "/api/v1/assistance-requests/{pk}/translations/"),
    "offer": ("/en/assistance/offers/{pk}/translation/", "/api/v1/assistance-offers/{pk}/translations/"),
}


@pytest.mark.parametrize("kind", list(ASSISTANCE_TRANSLATION_PAGES))
@pytest.mark.parametrize("name", NAMES)
def test_a_request_s_or_an_offer_s_translation_page_answers_those_who_may_translate_403_or_404_to_others(
    world, name, kind
):
    from clearinghouse.assistance.models import AssistanceOfferTranslation, AssistanceRequestTranslation

    page_url, api_url = ASSISTANCE_TRANSLATION_PAGES[kind]
    records = world.requests if kind == "request" else world.offers
    model = AssistanceRequestTranslation if kind == "request" else AssistanceOfferTranslation
    before = model.objects.count()
    client, api, person = world.client(name), world.api(name), world.people[name]
    for record in records:
        page = client.get(page_url.format(pk=record.pk))
        if name == "reader":
            assert page.status_code == 302 and "/sign-in/" in page["Location"], record.code
        elif may_translate(world, name, record):
            assert page.status_code == 200, (record.code, page.status_code)
            continue  # a translation sent would change the world the other tests read (test_translations.py sends)
        else:
            expected = 403 if rule.sees(person, record) else 404
            assert page.status_code == expected, (record.code, page.status_code)
            assert codes_in(page.content.decode()) == set(), record.code
        sent = api.post(
            api_url.format(pk=record.pk),
            {"language": "es", "quality": "machine", "title": "x", "need": "y", "description": "y"},
            content_type="application/json",
        )
        if name == "reader":
            assert sent.status_code in (401, 403), (record.code, sent.status_code)
        else:
            assert sent.status_code == (403 if rule.sees(person, record) else 404), (record.code, sent.status_code)
    assert model.objects.count() == before


@pytest.mark.parametrize("name", NAMES)
def test_a_request_s_and_an_offer_s_translations_are_given_to_exactly_whom_the_rule_allows(world, name):
    client = world.api(name)
    for kind, records in (("assistance-requests", world.requests), ("assistance-offers", world.offers)):
        seen = set()
        for record in records:
            response = client.get(f"/api/v1/{kind}/{record.pk}/translations/")
            assert response.status_code in (200, 404), (record.code, response.status_code)
            if response.status_code == 200:
                seen.add(record.code)
                assert [t["language"] for t in response.json()] == ["fr"]
                assert codes_in(response.content.decode()) == {record.code}
        assert_same(seen, _visible(world, name, records), world)


@pytest.mark.parametrize("name", NAMES)
def test_a_translated_request_or_offer_shows_in_french_only_to_those_who_may_see_it(world, name):
    requests = html_pages(world.client(name), "/fr/assistance/?stage=")
    assert_same(set(re.findall(r"Demande (qz\d{3})", requests)), visible_requests(world, name), world)
    offers = set(re.findall(r"Offre (qz\d{3})", html_pages(world.client(name), "/fr/assistance/offers/")))
    assert_within(offers, visible_offers(world, name), world)
    assert visible_offers(world, name, published_only=True) <= offers
