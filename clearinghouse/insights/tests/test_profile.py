"""A Member State's page counts and lists its measures, technologies and activities over what the reader may see
(issue 16, item 1). Personas: alice leads Kenya, bob leads Nigeria, carol belongs to the GSMA, curator."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection

from clearinghouse.catalog.tests.factories import measure
from clearinghouse.core.testing import client_for
from clearinghouse.core.visibility import TLP, Lifecycle
from clearinghouse.insights import selectors

pytestmark = pytest.mark.django_db


def page(user: Any, alpha2: str = "KE", language: str = "en") -> str:
    return client_for(user).get(f"/{language}/member-states/{alpha2}/").content.decode()


def cell(text: str, attribute: str, key: str) -> str:
    found = re.search(rf'{attribute}="{key}">([^<]*)<', text)
    assert found, (attribute, key)
    return found.group(1)


@pytest.fixture
def kenyan(personas):
    """Kenya's measures: two in operation against device crime and SIM boxes, one planned law, one AMBER."""
    return {
        "ceir": measure(personas, status="operational", since_year=2019),
        "simbox": measure(
            personas,
            title="SIM-box detection",
            threats=("simbox-fraud", "cli-spoofing"),
            status="evaluated",
            since_year=2021,
        ),
        "law": measure(
            personas, title="Cybercrime bill", pillar="legal", threats=("illegal-access",), status="planned"
        ),
        "amber": measure(personas, title="Operator hotline", tlp=TLP.AMBER, status="operational", since_year=2021),
        "draft": measure(personas, title="Unfinished", state=Lifecycle.DRAFT),
    }


def test_the_counts_are_over_the_measures_the_reader_may_see(personas, kenyan):
    bob = selectors.state_profile(personas.alice.member_state, personas.bob)["profile"]
    assert (bob.total, bob.in_operation) == (3, 2)
    alice = selectors.state_profile(personas.alice.member_state, personas.alice)["profile"]
    assert (alice.total, alice.in_operation) == (5, 3)  # its own AMBER measure and its draft
    seen = page(personas.bob)
    assert "3 measures, 2 of them in operation" in seen
    assert cell(seen, "data-pillar", "technical") == "2" and cell(seen, "data-pillar", "legal") == "1"
    assert cell(seen, "data-threat", "telecom-misuse") == "1"  # one measure under two threats of the family
    assert cell(seen, "data-threat", "device-crime") == "1"
    assert cell(seen, "data-year", "2021") == "1" and cell(seen, "data-year", "2019") == "1"
    assert "Operator hotline" not in seen and "Unfinished" not in seen
    own = page(personas.alice)
    assert "5 measures, 3 of them in operation" in own and "Operator hotline" in own
    assert cell(own, "data-year", "2021") == "2"


def test_each_row_leads_to_the_catalogue_narrowed_to_the_state_and_the_row(personas, kenyan):
    seen = page(personas.reader)
    assert 'href="/en/catalogue/?country=KE&amp;pillar=legal"' in seen
    assert 'href="/en/catalogue/?country=KE&amp;threat=telecom-misuse"' in seen


def test_a_state_without_measures_says_so_in_the_reader_s_language(personas, kenyan):
    assert "No measure of this Member State that you may see is in the catalogue yet." in page(personas.reader, "NG")
    french = page(personas.reader, "NG", "fr")
    assert 'data-profile="total"' in french and "Mesures" in french


def built(client: Any, path: str) -> Any:
    """The page built again (what each reader keeps of its sections forgotten first)."""
    from django.core.cache import caches

    caches["pages"].clear()
    return client.get(path)


def test_the_state_page_asks_the_same_number_of_queries_for_one_measure_or_many(personas, django_assert_num_queries):
    measure(personas, status="operational", since_year=2019)
    client = client_for(personas.bob)
    built(client, "/en/member-states/KE/")
    with django_assert_num_queries(QUERIES_OF_THE_PAGE) as counted:
        built(client, "/en/member-states/KE/")
    queries = len(counted.captured_queries)
    for number in range(4):
        measure(personas, title=f"Measure {number}", threats=("spam", "wangiri"), since_year=2010 + number)
    built(client, "/en/member-states/KE/")  # the search index catches up with the new measures (once, however many)
    with django_assert_num_queries(queries):
        built(client, "/en/member-states/KE/")


def test_each_reader_keeps_the_profile_until_a_record_changes(personas, django_assert_max_num_queries):
    """A member reads the same page again and again: its sections are kept for that reader (not another), and a new
    record shows at once."""
    measure(personas, title="Kenyan AMBER register", tlp=TLP.AMBER, status="operational")
    lead = client_for(personas.alice)  # Kenya's
    assert "Kenyan AMBER register" in lead.get("/en/member-states/KE/").content.decode()
    with django_assert_max_num_queries(QUERIES_OF_THE_PAGE - 15):  # the session, the reader, the state, its contacts
        again = lead.get("/en/member-states/KE/").content.decode()
    assert "Kenyan AMBER register" in again
    assert "Kenyan AMBER register" not in client_for(personas.bob).get("/en/member-states/KE/").content.decode()
    measure(personas, title="Kenyan SIM registration", status="operational")
    assert "Kenyan SIM registration" in lead.get("/en/member-states/KE/").content.decode()


def test_the_technologies_in_use_are_counted_over_what_the_reader_may_see(personas):
    """Kenya uses a register in a public measure and in an AMBER one, and a RED detector the reader is not named
    on: the public is told of the register in one measure; Kenya's lead, of it in two."""
    from clearinghouse.catalog import services

    def made(slug: str, name: str, tlp: str = "clear") -> Any:
        return services.create_technology(actor=personas.curator, slug=slug, name=name, tlp=tlp, lifecycle="published")

    register, detector = made("register", "Identity register"), made("detector", "Red detector", tlp=TLP.RED)
    measure(personas, title="Public register", technologies=[register, detector])
    measure(personas, title="Members' register", tlp=TLP.AMBER, technologies=[register])
    public, own = page(personas.reader), page(personas.alice)
    assert re.search(r">Identity register</a> <small class=\"muted\">\(1 measure\)", public)
    assert re.search(r">Identity register</a> <small class=\"muted\">\(2 measures\)", own)
    assert "Red detector" not in public and "Red detector" not in own


QUERIES_OF_THE_PAGE = 27 + 2 * (connection.vendor == "postgresql")  # the session and the reader (5), the state,
# its groups, organizations, contacts, the content stamp (what each reader keeps is keyed by it; on PostgreSQL inside
# the test's transaction, reading it first settles the deferred triggers of the writes made so far: two more, which
# no request outside a transaction pays) (7), its
# measures: three tallies of the search index (each reads the catalogue's state), the pillars, threat families and
# their names, the latest (the state read, then the ten by id), their technologies (8), the map of its region: its
# states, a tally, their names (3), its activities (2), its requests and offers (2)


def test_the_profile_reads_in_arabic_and_chinese(personas, kenyan):
    arabic = page(personas.bob, language="ar")
    assert "حسب الركيزة" in arabic and "عدد التدابير: 3، منها 2 قيد التشغيل" in arabic
    chinese = page(personas.bob, language="zh-hans")
    assert "按支柱" in chinese and "3 项措施，其中 2 项在实施中" in chinese


def test_an_organization_s_page_shows_its_measures_and_offers_alike(personas, kenyan):
    measure(personas, by=personas.carol, title="Fraud data sharing", threats=("irsf",), status="operational")
    measure(personas, by=personas.carol, title="Members only", tlp=TLP.AMBER, threats=("irsf",))
    slug = personas.carol.organization.slug
    public = client_for(personas.reader).get(f"/en/organizations/{slug}/").content.decode()
    assert "1 measure, 1 of them in operation" in public and "Fraud data sharing" in public
    assert cell(public, "data-threat", "telecom-misuse") == "1" and "Members only" not in public
    assert "country=" not in public  # the catalogue names no organization: the rows are not links
    own = client_for(personas.carol).get(f"/en/organizations/{slug}/").content.decode()
    assert "2 measures, 1 of them in operation" in own
    assert "Fraud data sharing" not in page(personas.reader)  # not Kenya's


def test_the_home_page_maps_the_published_measures_the_reader_may_see_by_state(personas, kenyan):
    public = client_for(personas.reader).get("/en/").content.decode()
    kenya = re.search(r'class="l(\d)" data-numeric="404"><title>([^<]+)</title>', public)
    assert kenya and kenya.groups() == ("2", "Kenya: 3 measures")  # not its AMBER measure nor its draft
    assert re.search(r'<a href="/en/member-states/KE/">Kenya</a></th><td class="n">3</td>', public)
    own = client_for(personas.alice).get("/en/").content.decode()
    assert "Kenya: 4 measures" in own
    arabic = client_for(personas.reader).get("/ar/").content.decode()
    assert "كينيا" in arabic and 'data-numeric="404"' in arabic


def test_the_profile_draws_its_figures_as_charts_beside_their_tables_in_the_reader_s_direction(personas, kenyan):
    english = page(personas.bob)
    assert '<svg viewBox="0 0 600 52" role="img" aria-labelledby="pillars-KE-title" id="pillars-KE">' in english
    label = r'<title>Technical measures: 2</title><text x="4" [^>]*direction="ltr">Technical measures<'
    assert re.search(label, english)
    arabic = page(personas.bob, language="ar")
    assert re.search(r'<text x="596" [^>]*text-anchor="start" direction="rtl">', arabic)
