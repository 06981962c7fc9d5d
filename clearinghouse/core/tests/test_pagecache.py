"""The public page cache (issue 13, item 1): readers who are not signed in are answered from it, nobody else
ever is, and any write to the records makes what it kept unreachable, whichever way the write is made."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client

from clearinghouse.accounts.services import create_api_token
from clearinghouse.catalog import services
from clearinghouse.catalog.tests.factories import measure
from clearinghouse.core import pagecache
from clearinghouse.core.testing import client_for
from clearinghouse.core.visibility import Lifecycle

pytestmark = pytest.mark.django_db


def served(client: Client, url: str, **headers: str) -> tuple[int, str, str]:
    response = client.get(url, **headers)
    return response.status_code, response.get("X-Page-Cache", ""), response.content.decode()


def test_a_public_reader_is_answered_from_the_cache_the_second_time(personas):
    measure(personas, title="Handset blocking register")
    reader = Client()
    for url in ("/en/catalogue/", "/en/catalogue/?q=handset", "/fr/catalogue/", "/api/v1/measures/"):
        first, second = served(reader, url), served(reader, url)
        assert first[:2] == (200, "miss") and second[:2] == (200, "hit"), url
        assert second[2] == first[2]
        assert "blocking register" in second[2], url


def test_a_write_through_a_service_is_seen_at_once(personas):
    kept = measure(personas, title="Handset blocking register")
    reader = Client()
    served(reader, "/en/catalogue/")
    assert "Handset blocking register" in served(reader, "/en/catalogue/")[2]
    services.withdraw_measure(kept, actor=personas.curator)
    status, state, text = served(reader, "/en/catalogue/")
    assert (status, state) == (200, "miss")
    assert "Handset blocking register" not in text


def test_a_write_made_outside_the_code_in_plain_sql_is_seen_at_once(personas):
    """The triggers see every write: an operator's SQL, a bulk update, a tool that knows nothing of the cache."""
    kept = measure(personas, title="Handset blocking register")
    reader = Client()
    served(reader, f"/en/catalogue/measures/{kept.pk}/")
    assert served(reader, f"/en/catalogue/measures/{kept.pk}/")[1] == "hit"
    with connection.cursor() as cursor:
        cursor.execute("UPDATE catalog_measure SET title = %s WHERE id = %s", ["Renamed by hand", kept.pk])
    status, state, text = served(reader, f"/en/catalogue/measures/{kept.pk}/")
    assert (status, state) == (200, "miss")
    assert "Renamed by hand" in text
    with connection.cursor() as cursor:  # a record marked RED behind the platform's back disappears as well
        cursor.execute("UPDATE catalog_measure SET tlp = 'red' WHERE id = %s", [kept.pk])
    assert served(reader, f"/en/catalogue/measures/{kept.pk}/")[0] == 404


def test_writes_to_sessions_and_sign_in_bookkeeping_leave_the_cache_alone(personas):
    reader = Client()
    served(reader, "/en/catalogue/")
    before = pagecache.current_stamp()
    member = client_for(personas.alice)  # a session written
    member.get("/en/account/")
    assert pagecache.current_stamp() == before
    assert served(reader, "/en/catalogue/")[1] == "hit"


def test_a_signed_in_member_is_never_answered_from_the_cache_and_nothing_of_theirs_is_kept(personas):
    amber = measure(personas, title="Amber register for members", tlp="amber")
    url = "/en/catalogue/"
    alice = client_for(personas.alice)
    for _ in range(2):
        response = alice.get(url)
        assert "X-Page-Cache" not in response
        assert "Amber register for members" in response.content.decode()
    status, state, text = served(Client(), url)
    assert (status, state) == (200, "miss")
    assert "Amber register for members" not in text
    assert served(Client(), url)[1] == "hit"
    assert "Amber register for members" in alice.get(url).content.decode()
    assert amber.lifecycle == Lifecycle.PUBLISHED


def test_a_token_or_a_session_cookie_is_never_answered_from_the_cache(personas):
    measure(personas, title="Amber register for members", tlp="amber")
    reader = Client()
    served(reader, "/api/v1/measures/")
    assert served(reader, "/api/v1/measures/")[1] == "hit"
    _, key = create_api_token(actor=personas.alice, name="cache test")
    status, state, text = served(reader, "/api/v1/measures/", HTTP_AUTHORIZATION=f"Token {key}")
    assert (status, state) == (200, "")
    assert "Amber register for members" in text
    stranger = Client()
    stranger.cookies["sessionid"] = "not-a-session"
    assert served(stranger, "/api/v1/measures/")[1] == ""


def test_a_page_is_kept_per_language_and_per_format(personas):
    measure(personas, title="Handset blocking register")
    reader = Client()
    english, french = served(reader, "/en/catalogue/")[2], served(reader, "/fr/catalogue/")[2]
    assert 'lang="en"' in english and 'lang="fr"' in french
    assert served(reader, "/fr/catalogue/")[2] == french
    json_answer = served(reader, "/api/v1/measures/", HTTP_ACCEPT="application/json")
    html_answer = served(reader, "/api/v1/measures/", HTTP_ACCEPT="text/html")
    assert json_answer[2].startswith("{") and html_answer[2].lstrip().startswith("<")
    assert served(reader, "/api/v1/measures/", HTTP_ACCEPT="application/json")[1:] == ("hit", json_answer[2])
    spanish = served(reader, "/api/v1/measures/?nonexistent=1", HTTP_ACCEPT_LANGUAGE="es")
    assert spanish[0] == 200


def test_a_conditional_request_with_the_same_tag_gets_304_without_a_body(personas):
    measure(personas, title="Handset blocking register")
    reader = Client()
    first = reader.get("/en/catalogue/")
    tag = first["ETag"]
    again = reader.get("/en/catalogue/", HTTP_IF_NONE_MATCH=tag)
    assert again.status_code == 304 and again.content == b""
    assert "Cookie" in again["Vary"]
    measure(personas, title="Another register")
    changed = reader.get("/en/catalogue/", HTTP_IF_NONE_MATCH=tag)
    assert changed.status_code == 200 and "Another register" in changed.content.decode()


def test_a_page_holding_a_csrf_token_or_setting_a_cookie_is_not_kept(db):
    reader = Client()
    for _ in range(2):
        response = reader.get("/en/sign-in/")
        assert response.status_code == 200
        assert response.get("X-Page-Cache", "") == ""


def test_an_api_answer_from_the_cache_is_still_counted_by_the_throttle(db, settings):
    rates = {"anon": "3/minute", "user": "5/minute"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    reader = Client(REMOTE_ADDR="203.0.113.20")
    answers = [served(reader, "/api/v1/organizations/")[:2] for _ in range(4)]
    assert answers == [(200, "miss"), (200, "hit"), (200, "hit"), (429, "")]


def test_with_the_cache_off_nothing_is_kept(personas, settings):
    settings.PAGE_CACHE = False
    reader = Client()
    assert served(reader, "/en/catalogue/")[1] == "" and served(reader, "/en/catalogue/")[1] == ""


def test_the_stamp_row_lost_in_a_flush_is_written_again_with_a_new_stamp(db):
    before = pagecache.current_stamp()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_contentversion")
    after = pagecache.current_stamp()
    assert after and after != before


def test_a_client_that_takes_gzip_gets_the_kept_page_compressed_once_and_others_get_it_plain(personas):
    import gzip

    measure(personas, title="Handset blocking register")
    reader = Client()
    plain = reader.get("/en/catalogue/")
    squeezed = reader.get("/en/catalogue/", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert squeezed["X-Page-Cache"] == "hit" and squeezed["Content-Encoding"] == "gzip"
    assert gzip.decompress(squeezed.content) == plain.content
    assert len(squeezed.content) < len(plain.content) / 3
    assert "Accept-Encoding" in squeezed["Vary"]
    assert reader.get("/en/catalogue/", HTTP_IF_NONE_MATCH=squeezed["ETag"]).status_code == 304
    member = client_for(personas.alice).get("/en/catalogue/", HTTP_ACCEPT_ENCODING="gzip")
    assert member["Content-Encoding"] == "gzip" and "Handset" in gzip.decompress(member.content).decode()


def test_a_member_s_list_of_results_shows_a_change_at_once_though_each_result_is_rendered_once(personas):
    """Members are never answered from the page cache, but each result of a list is kept rendered (by stamp,
    language and query): a change to the record is seen on the next list."""
    kept = measure(personas, title="Handset blocking register")
    alice = client_for(personas.alice)
    for url in ("/en/catalogue/", "/en/catalogue/?q=handset"):
        assert "blocking register" in alice.get(url).content.decode()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE catalog_measure SET title = %s WHERE id = %s", ["Handset register renamed", kept.pk])
    assert "Handset register renamed" in alice.get("/en/catalogue/").content.decode()
    assert "blocking register" not in alice.get("/en/catalogue/").content.decode()


def test_a_small_streamed_export_is_kept_whole_and_a_large_one_streams_on_unkept(personas, settings):
    from clearinghouse.core.testing import body_of

    measure(personas, title="Handset blocking register")
    measure(personas, title="Another register")
    reader = Client()
    small = [reader.get("/api/v1/measures/export/?format=csv") for _ in range(2)]
    assert [r.get("X-Page-Cache") for r in small] == ["miss", "hit"]
    assert small[1]["Content-Disposition"] == 'attachment; filename="measures.csv"'
    whole = small[1].content.decode("utf-8-sig")
    assert "Handset blocking register" in whole and "Another register" in whole
    settings.PAGE_CACHE_MAX_BYTES = 200  # smaller than this export
    for _ in range(2):
        large = reader.get("/api/v1/measures/export/?format=csv")
        assert large.streaming and "X-Page-Cache" not in large
        assert body_of(large).decode("utf-8-sig") == whole


def test_a_taxii_page_is_kept_with_its_taxii_headers(personas):
    measure(personas, title="Handset blocking register")
    reader = Client(HTTP_ACCEPT="application/taxii+json;version=2.1")
    collections = reader.get("/taxii2/api/collections/").json()["collections"]
    readable = [c["id"] for c in collections if c.get("can_read")]
    assert readable, "no collection the public may read"
    url = f"/taxii2/api/collections/{readable[0]}/objects/"
    reader.get(url)  # the first read brings the collection's STIX objects up to date: a write, a new stamp
    first, second = reader.get(url), reader.get(url)
    assert (first["X-Page-Cache"], second["X-Page-Cache"]) == ("miss", "hit")
    assert second["Content-Type"] == "application/taxii+json;version=2.1"
    assert second["X-TAXII-Date-Added-First"] == first["X-TAXII-Date-Added-First"]
    assert second.content == first.content and b"Handset blocking register" in second.content


def test_after_a_migrate_the_stamp_is_new_and_every_write_still_changes_it(personas):
    from django.core.management import call_command

    kept = measure(personas, title="Handset blocking register")
    before = pagecache.current_stamp()
    call_command("migrate", verbosity=0, interactive=False)  # nothing to apply: the triggers go and come back
    after_migrate = pagecache.current_stamp()
    assert after_migrate != before
    with connection.cursor() as cursor:
        cursor.execute("UPDATE catalog_measure SET title = %s WHERE id = %s", ["Renamed by hand", kept.pk])
    assert pagecache.current_stamp() != after_migrate
