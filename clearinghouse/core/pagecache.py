"""The public page cache: what a reader who is not signed in is answered, kept and answered again.

Every reader who is not signed in belongs to one audience (the public: ``visible_to`` an anonymous user), so
a page or API answer for them depends only on the request (path and query, language, host, the headers that
choose a format) and on the records in the database. The middleware keeps each such answer under a key made
of those and of the **content stamp**: one row (``ContentVersion``) that database triggers change in the same
transaction as any write to a table a page may show, whichever code or tool writes it. The stamp is read
before the page is rendered, so an answer is never kept under a stamp older than what it shows; any change
makes every kept answer unreachable at once (they age out of the cache), which is exact and cheap enough for
a catalogue read far more often than it is written.

Nothing else is ever served from it: a request with a session cookie, an ``Authorization`` header or a
pending message goes to the view, and only complete 200 answers that set no cookie and hold no CSRF token
are kept. An API or TAXII answer served from the cache is still counted by the API's throttles. Answers
carry an ``ETag``; a conditional request whose tag matches gets 304 without a body. Each answer is compressed
once, when kept, and sent compressed to clients that accept gzip (``GZipMiddleware`` compresses the rest).

Kept in local memory per worker process (``caches["pages"]``), or in Redis when ``CACHE_URL`` names one.
"""

from __future__ import annotations

import gzip
import hashlib
import itertools
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.safestring import SafeString
from rest_framework.settings import api_settings

#: The only audience whose answers are kept: readers who are not signed in.
AUDIENCE = "public"
#: How long what ``kept_for_reader`` keeps is kept at most (any change of a record forgets it at once).
KEPT_SECONDS = 3600
#: Request headers that choose what an answer holds besides its URL and language (the API's format, htmx).
KEYED_HEADERS = ("Accept", "HX-Request", "HX-Boosted")
#: An answer's ``Vary`` may only name these (each is in the key or never differs for a kept answer).
KEYED_VARY = {"accept", "accept-language", "cookie", "hx-request", "hx-boosted", "accept-encoding"}
#: Tables whose writes never change what a page shows to the public: sessions, sign-in bookkeeping, tokens,
#: second factors, the task queue, the administration's own log, and the stamp itself.
UNSHOWN_TABLES = (
    "django_session",
    "axes_",
    "otp_",
    "accounts_apitoken",
    "accounts_invitation",
    "django_tasks_database_",
    "django_admin_log",
    "core_contentversion",
    "core_auditevent",  # shown in the administration only
)
#: Tables of which a page shows a few columns only: other updates (a person's last sign-in) are not changes.
SHOWN_COLUMNS = {"accounts_user": ("username", "first_name", "last_name", "email", "is_active")}
#: API paths whose answers are counted by the API's throttles even when served from the cache.
THROTTLED_PATHS = ("/api/", "/taxii2/")
#: Answers of these types are also kept compressed.
COMPRESSED_TYPES = ("text/", "application/json", "application/taxii+json", "application/stix+json", "image/svg")
TRIGGER_PREFIX = "ch174cv_"
STAMP_TABLE = "core_contentversion"
#: Areas with a stamp of their own, in another row of the stamp table, changed only by writes to the area's
#: tables: what a reader builds from a few tables (the assistance matching's indexes) then outlives the writes
#: to all the others. An app registers its area in ``ready`` (``register_area``); row 1 is the content stamp.
AREAS: dict[str, tuple[int, tuple[str, ...]]] = {}


def register_area(name: str, row: int, tables: tuple[str, ...]) -> None:
    """Give ``tables`` (database table names) a stamp of their own, kept in row ``row`` (> 1) of the stamp table;
    read it with ``current_stamp(name)``. Its triggers are installed with the content stamp's, after migrate."""
    if row <= 1 or any(other_row == row and other != name for other, (other_row, _t) in AREAS.items()):
        raise ValueError(f"row {row} of the stamp table is taken")
    AREAS[name] = (row, tuple(tables))


# -- the content stamp --------------------------------------------------------------------------------------


def _shown_tables(db: Any) -> list[str]:
    existing = set(db.introspection.table_names()) & _model_tables()
    return sorted(t for t in existing if not t.startswith(UNSHOWN_TABLES))


def _model_tables() -> set[str]:
    from django.apps import apps

    return {model._meta.db_table for model in apps.get_models(include_auto_created=True)}


def _update_of(table: str) -> str:
    columns = SHOWN_COLUMNS.get(table)
    return "UPDATE" if columns is None else "UPDATE OF " + ", ".join(f'"{c}"' for c in columns)


def _trigger_name(table: str, suffix: str = "") -> str:
    return TRIGGER_PREFIX + hashlib.sha1(table.encode()).hexdigest()[:12] + suffix  # noqa: S324 (a name, not security)


_POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION ch174_content_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- once per statement that fires it: at commit (deferred) that is once per transaction, taking the row
    -- only while the transaction commits
    IF current_setting('ch174.content_changed', true) IS DISTINCT FROM statement_timestamp()::text THEN
        PERFORM set_config('ch174.content_changed', statement_timestamp()::text, true);
        UPDATE core_contentversion SET stamp = gen_random_uuid()::text, changes = changes + 1 WHERE id = 1;
    END IF;
    RETURN NULL;
END
$$
"""


_POSTGRES_AREA_FUNCTION = """
CREATE OR REPLACE FUNCTION ch174_area_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- as ch174_content_changed, for the row of one area (TG_ARGV[0])
    IF current_setting('ch174.area_changed_' || TG_ARGV[0], true) IS DISTINCT FROM statement_timestamp()::text THEN
        PERFORM set_config('ch174.area_changed_' || TG_ARGV[0], statement_timestamp()::text, true);
        UPDATE core_contentversion SET stamp = gen_random_uuid()::text, changes = changes + 1
        WHERE id = TG_ARGV[0]::bigint;
    END IF;
    RETURN NULL;
END
$$
"""


def _area_triggers(db: Any) -> list[tuple[str, int, str]]:
    """(trigger name, stamp row, table) for each table of each area that exists in this database."""
    existing = set(db.introspection.table_names())
    return [
        (_trigger_name(f"{name}:{table}"), row, table)
        for name, (row, tables) in sorted(AREAS.items())
        for table in tables
        if table in existing
    ]


def _install_area_triggers(db: Any, cursor: Any, new_stamp: bool) -> int:
    added = 0
    for _name, (row, _tables) in sorted(AREAS.items()):
        cursor.execute(f"SELECT count(*) FROM {STAMP_TABLE} WHERE id = %s", [row])  # noqa: S608
        if cursor.fetchone()[0] == 0:
            cursor.execute(
                f"INSERT INTO {STAMP_TABLE} (id, stamp, changes) VALUES (%s, %s, 0)",  # noqa: S608
                [row, uuid.uuid4().hex],
            )
        elif new_stamp:
            cursor.execute(
                f"UPDATE {STAMP_TABLE} SET stamp = %s, changes = changes + 1 WHERE id = %s",  # noqa: S608
                [uuid.uuid4().hex, row],
            )
    triggers = _area_triggers(db)
    if db.vendor == "postgresql":
        cursor.execute(_POSTGRES_AREA_FUNCTION)
        cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE %s", [TRIGGER_PREFIX + "%"])
        existing = {found[0] for found in cursor.fetchall()}
        for name, row, table in triggers:
            if name not in existing:
                cursor.execute(
                    f'CREATE CONSTRAINT TRIGGER {name} AFTER INSERT OR UPDATE OR DELETE ON "{table}" '
                    f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ch174_area_changed('{row}')"
                )
                cursor.execute(
                    f'CREATE TRIGGER {name}_t AFTER TRUNCATE ON "{table}" '
                    f"FOR EACH STATEMENT EXECUTE FUNCTION ch174_area_changed('{row}')"
                )
                added += 1
    elif db.vendor == "sqlite":
        for name, row, table in triggers:
            body = (
                f"UPDATE {STAMP_TABLE} SET stamp = lower(hex(randomblob(16))), changes = changes + 1 WHERE id = {row}"  # noqa: S608
            )
            for event, suffix in (("INSERT", "_i"), ("UPDATE", "_u"), ("DELETE", "_d")):
                cursor.execute(
                    f'CREATE TRIGGER IF NOT EXISTS {name}{suffix} AFTER {event} ON "{table}" BEGIN {body}; END'
                )
            added += 1
    return added


def install_triggers(db: Any = None, *, new_stamp: bool = False) -> int:
    """Make every write to a shown table change the stamp, in its transaction; returns the triggers added.

    SQLite: row triggers (its one writer at a time holds the stamp's row anyway). PostgreSQL: deferred
    constraint triggers, so the stamp's row is locked only while a writing transaction commits, never while
    a long import runs; and a statement trigger for TRUNCATE.
    """
    db = db or connection
    if STAMP_TABLE not in db.introspection.table_names():  # migrated to before the stamp existed
        return 0
    tables = _shown_tables(db)
    added = 0
    with db.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {STAMP_TABLE} WHERE id = 1")  # noqa: S608
        if cursor.fetchone()[0] == 0:
            cursor.execute(f"INSERT INTO {STAMP_TABLE} (id, stamp, changes) VALUES (1, %s, 0)", [uuid.uuid4().hex])  # noqa: S608
        elif new_stamp:
            cursor.execute(
                f"UPDATE {STAMP_TABLE} SET stamp = %s, changes = changes + 1 WHERE id = 1",  # noqa: S608
                [uuid.uuid4().hex],
            )
        if db.vendor == "postgresql":
            cursor.execute(_POSTGRES_FUNCTION)
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE %s", [TRIGGER_PREFIX + "%"])
            existing = {row[0] for row in cursor.fetchall()}
            for table in tables:
                if _trigger_name(table) not in existing:
                    cursor.execute(
                        f"CREATE CONSTRAINT TRIGGER {_trigger_name(table)} "
                        f'AFTER INSERT OR {_update_of(table)} OR DELETE ON "{table}" '
                        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ch174_content_changed()"
                    )
                    cursor.execute(
                        f'CREATE TRIGGER {_trigger_name(table, "_t")} AFTER TRUNCATE ON "{table}" '
                        "FOR EACH STATEMENT EXECUTE FUNCTION ch174_content_changed()"
                    )
                    added += 1
        elif db.vendor == "sqlite":
            body = f"UPDATE {STAMP_TABLE} SET stamp = lower(hex(randomblob(16))), changes = changes + 1 WHERE id = 1"  # noqa: S608
            for table in tables:
                for event, suffix in (("INSERT", "_i"), (_update_of(table), "_u"), ("DELETE", "_d")):
                    cursor.execute(
                        f"CREATE TRIGGER IF NOT EXISTS {_trigger_name(table, suffix)} "
                        f'AFTER {event} ON "{table}" BEGIN {body}; END'
                    )
                added += 1
        added += _install_area_triggers(db, cursor, new_stamp)
    return added


def remove_triggers(db: Any = None) -> None:
    db = db or connection
    if STAMP_TABLE not in db.introspection.table_names():
        return
    with db.cursor() as cursor:
        if db.vendor == "postgresql":
            cursor.execute(
                "SELECT t.tgname, c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname LIKE %s",
                [TRIGGER_PREFIX + "%"],
            )
            for name, table in cursor.fetchall():
                cursor.execute(f'DROP TRIGGER IF EXISTS {name} ON "{table}"')
            cursor.execute("DROP FUNCTION IF EXISTS ch174_content_changed()")
            cursor.execute("DROP FUNCTION IF EXISTS ch174_area_changed()")
        elif db.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s", [TRIGGER_PREFIX + "%"]
            )
            for (name,) in cursor.fetchall():
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def _changes_so_far_count(cursor: Any) -> None:
    """Inside an open transaction (tests run in one), the stamp must already count the transaction's own writes,
    which PostgreSQL's deferred triggers would count only at commit: fire them now, for the rest of it."""
    cursor.execute(
        "SELECT string_agg(quote_ident(conname), ', ') FROM pg_constraint WHERE contype = 't' AND conname LIKE %s",
        [TRIGGER_PREFIX + "%"],
    )
    names = cursor.fetchone()[0]
    if names:
        cursor.execute(f"SET CONSTRAINTS {names} IMMEDIATE")


def current_stamp(area: str | None = None) -> str | None:
    """The content stamp, or the stamp of ``area`` (``register_area``). A flushed database has lost its row: a
    new one, with a new stamp, is written (nothing kept before matches it). None, so that nothing is kept or
    served, if it cannot be read."""
    row_id = 1 if area is None else AREAS[area][0]
    try:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql" and connection.in_atomic_block:
                _changes_so_far_count(cursor)
            cursor.execute(f"SELECT stamp FROM {STAMP_TABLE} WHERE id = %s", [row_id])  # noqa: S608
            row = cursor.fetchone()
            if row is None:
                cursor.execute(
                    f"INSERT INTO {STAMP_TABLE} (id, stamp, changes) VALUES (%s, %s, 0) ON CONFLICT (id) DO NOTHING",  # noqa: S608
                    [row_id, uuid.uuid4().hex],
                )
                cursor.execute(f"SELECT stamp FROM {STAMP_TABLE} WHERE id = %s", [row_id])  # noqa: S608
                row = cursor.fetchone()
    except DatabaseError:
        return None
    return row[0] if row else None


def stamp_of(request: HttpRequest) -> str | None:
    """The content stamp as this request read it first (fragments kept for members are keyed by it too)."""
    if not hasattr(request, "content_stamp"):
        request.content_stamp = current_stamp()  # type: ignore[attr-defined]
    found: str | None = request.content_stamp  # type: ignore[attr-defined]
    return found


# -- the middleware ------------------------------------------------------------------------------------------


def kept_for_reader(request: HttpRequest, name: str, build: Callable[[], Any], *parts: Any) -> Any:
    """What ``build`` answers, kept in the pages cache until any record changes (the content stamp), for this
    reader (all the access rule reads of them: ``Viewer``), language and ``parts``; built each time if the stamp
    cannot be read. For the counts and figures of a page a member reads again and again (a public page is kept
    whole by the middleware below)."""
    from django.utils.translation import get_language

    from clearinghouse.core.visibility import Viewer

    stamp = stamp_of(request)
    if not stamp:
        return build()
    identity = repr((stamp, Viewer.of(getattr(request, "user", None)), get_language(), parts))
    key = f"kept:{name}:{hashlib.sha256(identity.encode()).hexdigest()}"
    cache = caches["pages"]
    found = cache.get(key)
    if found is None:
        found = build()
        cache.set(key, found, KEPT_SECONDS)
    return found


def kept_rendering(
    request: HttpRequest, name: str, template: str, context: Callable[[], dict[str, Any]], *parts: Any
) -> SafeString:
    """``template`` rendered with what ``context`` gives, kept as ``kept_for_reader`` keeps (for this reader,
    language and ``parts``, until any record changes): the body of a page a member reads again and again, whose
    rendering costs more than its queries. It must hold no form: a CSRF token is the session's."""
    from django.template.loader import render_to_string

    return SafeString(kept_for_reader(request, name, lambda: render_to_string(template, context(), request), *parts))


def is_public_request(request: HttpRequest) -> bool:
    """A GET from a reader who is certainly not signed in and has nothing pending in a session."""
    return (
        request.method == "GET"
        and "HTTP_AUTHORIZATION" not in request.META
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
    )


def request_key(request: HttpRequest, stamp: str) -> str:
    parts = [
        AUDIENCE,
        stamp,
        timezone.now().date().isoformat(),  # pages that say "upcoming" or "N days ago" change at midnight
        getattr(request, "LANGUAGE_CODE", ""),
        request.scheme or "",
        request.get_host(),
        request.get_full_path(),
        *(request.headers.get(name, "") for name in KEYED_HEADERS),
    ]
    return "page:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _collected(response: Any) -> Any:
    """A streamed answer (an export, a TAXII page) read into one, when it is small enough to keep; a larger
    one streams on, from what was read and the rest."""
    if not response.streaming or response.status_code != 200:
        return response
    chunks: list[bytes] = []
    size = 0
    stream = iter(response.streaming_content)
    for chunk in stream:
        chunks.append(chunk)
        size += len(chunk)
        if size > settings.PAGE_CACHE_MAX_BYTES:
            response.streaming_content = itertools.chain(chunks, stream)
            return response
    whole = HttpResponse(b"".join(chunks), status=response.status_code)
    for name, value in response.items():
        whole[name] = value
    whole.cookies = response.cookies
    # what the streamed answer held open (a file) is closed with the answer that replaces it, when the server
    # closes that: closing it here would also send request_finished in the middle of the request
    whole._resource_closers.extend(response._resource_closers)  # type: ignore[attr-defined]
    return whole


def _keepable(request: HttpRequest, response: HttpResponse) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):  # the page holds a CSRF token: it is this reader's own
        return False
    control = response.get("Cache-Control", "").lower()
    if any(word in control for word in ("private", "no-store", "no-cache")):
        return False
    vary = {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}
    if not vary <= KEYED_VARY:
        return False
    return len(response.content) <= settings.PAGE_CACHE_MAX_BYTES


def _throttled(request: HttpRequest) -> bool:
    """Whether the API's throttles refuse this request (counting it when they let it through, as the view would)."""
    if not request.path.startswith(THROTTLED_PATHS):
        return False
    throttles: Any = api_settings.DEFAULT_THROTTLE_CLASSES  # classes, once DRF has imported them
    return any(not throttle().allow_request(request, None) for throttle in throttles)


def _tag(content: bytes) -> str:
    return '"' + hashlib.blake2b(content, digest_size=16).hexdigest() + '"'


#: What is kept: status, headers, body, and the body compressed once with gzip (None when not worth it).
Kept = tuple[int, list[tuple[str, str]], bytes, bytes | None]


def _keep(response: HttpResponse) -> Kept:
    content = bytes(response.content)
    headers = [(name, value) for name, value in response.items() if name.lower() not in ("x-page-cache", "etag")]
    headers.append(("ETag", _tag(content)))
    compressible = response.get("Content-Type", "").startswith(COMPRESSED_TYPES) and len(content) >= 200
    squeezed = gzip.compress(content, compresslevel=6, mtime=0) if compressible else None
    return response.status_code, headers, content, squeezed


def _answer(request: HttpRequest, kept: Kept, state: str) -> HttpResponse:
    """The kept answer: compressed when the client takes gzip (done once, when kept, never per request)."""
    status, headers, content, squeezed = kept
    compressed = squeezed is not None and "gzip" in request.headers.get("Accept-Encoding", "").lower()
    response = HttpResponse(squeezed if compressed else content, status=status)
    for name, value in headers:
        response[name] = value
    if compressed:
        response["Content-Encoding"] = "gzip"
        response["ETag"] = "W/" + response["ETag"]  # the same text, another encoding (as GZipMiddleware marks it)
    response["X-Page-Cache"] = state
    # a browser asks again each time (a 304 costs nothing on a slow link); a shared proxy keys by the cookie
    patch_vary_headers(response, ["Cookie", "Accept-Encoding"])
    patch_cache_control(response, no_cache=True)
    conditional = get_conditional_response(request, etag=response["ETag"], response=response)
    if isinstance(conditional, HttpResponseNotModified):
        conditional["X-Page-Cache"] = state
        patch_vary_headers(conditional, ["Cookie", "Accept-Encoding"])
        return conditional
    return response


class PublicPageCacheMiddleware:
    """Answer public readers from the cache; keep what they are answered. After the authentication middleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not (settings.PAGE_CACHE and is_public_request(request)):
            return self.get_response(request)
        stamp = stamp_of(request)
        if stamp is None:
            return self.get_response(request)
        cache = caches["pages"]
        key = request_key(request, stamp)
        kept = cache.get(key)
        if kept is not None and not _throttled(request):
            return _answer(request, kept, "hit")
        response = self.get_response(request)
        if kept is None and response.streaming:
            response = _collected(response)
        if kept is None and _keepable(request, response):
            kept = _keep(response)
            cache.set(key, kept, settings.PAGE_CACHE_SECONDS)
            return _answer(request, kept, "miss")
        return response
