"""Pulling another instance's TAXII collection (or any TAXII 2.1 server's) into this catalogue as drafts.

Each page is imported in its own transaction together with the cursor (``added_after``): a remote that goes
down, or answers something that is not a TAXII envelope, stops the run with the error recorded and nothing
of that page kept, and the next run resumes. Imports are idempotent by STIX id and ``modified``
(``exchange.importing``), so a page pulled twice changes nothing, and a page holding only versions taken in
before is not imported again at all.

**The cursor.** Within a run the pages are followed by ``next``. Across runs only ``added_after`` can be
relied on: a ``next`` token lives as long as the server's session (medallion forgets its tokens after 30
seconds) and means something different on every server. ``added_after`` is exclusive, and many objects can
share one ``date_added`` (medallion dates every object of a POST with one instant, this platform every object
of one projection batch), so saving the last page's ``X-TAXII-Date-Added-Last`` would skip the objects of
that instant not yet read. The cursor saved is therefore ``OVERLAP`` before it: strictly before every object
not yet taken in, since a TAXII server sends objects in ``date_added`` order. The objects of that last
second are read again on the next run and recognized by id and version. One second, not one microsecond,
because servers keep ``date_added`` at different precisions (medallion and this platform microseconds,
others milliseconds or seconds) and may round the ``added_after`` they are sent to theirs.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from taxii2client.exceptions import TAXIIServiceException
from taxii2client.v21 import Collection, as_pages

from clearinghouse.exchange import credentials, notices
from clearinghouse.exchange.importing import import_bundle
from clearinghouse.exchange.models import ImportedObject, ImportRun, ImportSource, ImportStatus, SyncSource

log = logging.getLogger(__name__)

#: Objects asked for per request (a server may send fewer).
PAGE_SIZE = 1000
#: Seconds to wait for the remote to connect and to answer.
TIMEOUT = (10, 120)
#: How far before the last ``date_added`` taken in the next run starts (see the module's docstring).
OVERLAP = timedelta(seconds=1)
#: Ids per ``IN (…)`` when looking up versions taken in before (SQLite allows 999 parameters).
CHUNK = 900
_TIMESTAMP = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z", re.IGNORECASE)


class SyncError(Exception):
    """The remote could not be read, or what it sent could not be taken in; nothing of the page was kept."""


@dataclass(frozen=True)
class Credentials:
    """What is sent to the remote: an API token, or a user name and password (HTTP Basic), or nothing."""

    token: str = ""
    username: str = ""
    password: str = ""

    @classmethod
    def of(cls, source: SyncSource) -> Credentials:
        """The source's saved credentials, decrypted. Raises :class:`SyncError` when they cannot be."""
        try:
            return cls(
                token=credentials.decrypt(source.encrypted_token),
                username=source.username,
                password=credentials.decrypt(source.encrypted_password),
            )
        except credentials.Unreadable as error:
            raise SyncError(str(error)) from None


class _RemoteAuth(requests.auth.AuthBase):
    """Signs each request (a token, or HTTP Basic) and remembers each answer's ``X-TAXII-Date-Added-Last``."""

    def __init__(self, secrets: Credentials):
        self.secrets = secrets
        self.date_added_last: str | None = None

    def __call__(self, request: Any) -> Any:
        if self.secrets.username:
            request = requests.auth.HTTPBasicAuth(self.secrets.username, self.secrets.password)(request)
        elif self.secrets.token:
            request.headers["Authorization"] = f"Token {self.secrets.token}"
        request.register_hook("response", self._seen)
        return request

    def _seen(self, response: Any, **kwargs: Any) -> Any:
        self.date_added_last = response.headers.get("X-TAXII-Date-Added-Last")
        return response


class _TimeoutAdapter(requests.adapters.HTTPAdapter):
    """taxii2-client sets no timeout: without one a remote that stops answering would hold the worker."""

    def send(self, request: Any, stream: bool = False, timeout: Any = None, *args: Any, **kwargs: Any) -> Any:
        return super().send(request, stream, timeout or TIMEOUT, *args, **kwargs)


def collection_url(source: SyncSource) -> str:
    return f"{source.api_root.rstrip('/')}/collections/{source.collection}/"


def _remote(source: SyncSource, auth: _RemoteAuth) -> Collection:
    collection = Collection(collection_url(source), auth=auth)
    for scheme in ("http://", "https://"):
        collection._conn.session.mount(scheme, _TimeoutAdapter())
    return collection


def _moment(value: str | None) -> datetime | None:
    """A TAXII timestamp as a datetime (to the microsecond), or None when it is not one."""
    match = _TIMESTAMP.fullmatch((value or "").strip())
    if match is None:
        return None
    fraction = (match.group(2) or "")[:6].ljust(6, "0")
    try:
        return datetime.fromisoformat(f"{match.group(1)}.{fraction}").replace(tzinfo=UTC)
    except ValueError:
        return None


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def next_cursor(current: str, date_added_last: str | None) -> str:
    """The ``added_after`` to save once a page whose last object was added at ``date_added_last`` is taken in:
    ``OVERLAP`` before it, never behind the current cursor; the current one when the remote sent no date."""
    last = _moment(date_added_last)
    if last is None:
        return current
    candidate = last - OVERLAP
    before = _moment(current)
    if before is not None and before >= candidate:
        return current
    return _timestamp(candidate)


def _all_taken_in(objects: list[Any]) -> bool:
    """Whether every object of a page is a version taken in before (the overlap of the previous run, say)."""
    versions = set()
    for obj in objects:
        if not isinstance(obj, dict) or not isinstance(obj.get("id"), str):
            return False
        versions.add((obj["id"], str(obj.get("modified") or obj.get("created") or "")))
    ids = sorted({identifier for identifier, _version in versions})
    known: set[tuple[str, str]] = set()
    for start in range(0, len(ids), CHUNK):
        rows = ImportedObject.objects.filter(stix_id__in=ids[start : start + CHUNK])
        known.update(rows.values_list("stix_id", "modified"))
    return versions <= known


def _owner(source: SyncSource) -> dict[str, Any]:
    if source.owner_state_id:
        return {"owner_state_id": source.owner_state_id}
    return {"owner_organization_id": source.owner_organization_id}


def check_access(source: SyncSource, secrets: Credentials) -> None:
    """Read the remote collection's description with these credentials. Raises :class:`SyncError` saying why
    when the remote refuses them or has no such collection (nothing is recorded on the source)."""
    try:
        _remote(source, _RemoteAuth(secrets)).refresh()
    except (requests.RequestException, TAXIIServiceException, ValueError, RecursionError) as error:
        raise SyncError(_("The remote could not be read: %(error)s") % {"error": _describe(error)}) from error


def pull(source: SyncSource, secrets: Credentials | None = None, *, asked_by: Any = None) -> list[ImportRun]:
    """Take in what the remote collection added since the last run, signing in with ``secrets`` (the source's
    saved credentials by default). Raises :class:`SyncError` (after saving the error on the source) when the
    remote cannot be read; pages taken in before stay taken in. The curators (and ``asked_by``, who asked for
    this pull) are told what it took in, or that it failed (``notices``)."""
    runs: list[ImportRun] = []
    was_failing = bool(SyncSource.objects.filter(pk=source.pk).values_list("last_error", flat=True).first())
    filters = {"added_after": source.added_after} if source.added_after else {}
    SyncSource.objects.filter(pk=source.pk).update(last_run_at=timezone.now())
    try:
        auth = _RemoteAuth(secrets if secrets is not None else Credentials.of(source))
        remote = _remote(source, auth)
        for envelope in as_pages(remote.get_objects, per_request=PAGE_SIZE, **filters):
            if not isinstance(envelope, dict) or not isinstance(envelope.get("objects", []), list):
                raise SyncError(_("The remote answered something that is not a TAXII envelope."))
            cursor = next_cursor(source.added_after, auth.date_added_last)
            objects = envelope.get("objects", [])
            with transaction.atomic():
                if objects and not _all_taken_in(objects):
                    run = import_bundle(
                        json.dumps({"objects": objects}).encode(),
                        actor=None,
                        source=ImportSource.SYNC,
                        origin=collection_url(source),
                        owner=_owner(source),
                    )
                    run.sync_source = source
                    run.save(update_fields=["sync_source"])
                    runs.append(run)
                    if run.status == ImportStatus.FAILED:
                        errors = "; ".join(run.report.get("errors", [])[:3])
                        raise SyncError(
                            _("The remote sent objects that could not be taken in: %(errors)s") % {"errors": errors}
                        )
                if cursor != source.added_after:
                    source.added_after = cursor
                    SyncSource.objects.filter(pk=source.pk).update(added_after=cursor)
    except SyncError as error:
        _failed(source, str(error), runs, was_failing=was_failing, asked_by=asked_by)
        raise
    except (requests.RequestException, TAXIIServiceException, ValueError, RecursionError) as error:
        # RecursionError: taxii2-client parses the answer itself, and JSON nested too deeply exhausts the parser
        message = _("The remote could not be read: %(error)s") % {"error": _describe(error)}
        _failed(source, message, runs, was_failing=was_failing, asked_by=asked_by)
        raise SyncError(message) from error
    SyncSource.objects.filter(pk=source.pk).update(last_ok_at=timezone.now(), last_error="")
    notices.sync_took_in(source, runs, asked_by=asked_by)
    return runs


def _describe(error: Exception) -> str:
    if isinstance(error, RecursionError):
        return _("its answer is JSON nested too deeply to be read.")
    if isinstance(error, requests.HTTPError) and error.response is not None:
        status = error.response.status_code
        if status in (401, 403):
            return _(
                "HTTP %(status)d: the remote refused the credentials. Check the API token, or the user name and "
                "password, and that they may read this collection."
            ) % {"status": status}
        if status == 404:
            return _("HTTP 404: the remote has no such API root or collection (or does not show it to you).")
        return f"HTTP {status} {error.response.reason}"
    if isinstance(error, requests.ConnectionError):
        return _("no connection (%(kind)s)") % {"kind": type(error).__name__}
    return str(error)[:300]


def _failed(source: SyncSource, message: str, runs: list[ImportRun], *, was_failing: bool, asked_by: Any) -> None:
    """Record the error on the source and tell it (pages taken in before the failure are told too)."""
    log.warning("sync from %s failed: %s", collection_url(source), message)
    SyncSource.objects.filter(pk=source.pk).update(last_error=message)
    notices.sync_took_in(source, [run for run in runs if run.status == ImportStatus.COMPLETE], asked_by=asked_by)
    notices.sync_failed(source, message, was_failing=was_failing, asked_by=asked_by)


def run_scheduled(source_id: int, schedule: str) -> None:
    """The scheduled task's body: pull if this is still the source's schedule, then book the next run."""
    from clearinghouse.exchange.tasks import sync_source

    source = SyncSource.objects.filter(pk=source_id).first()
    if source is None or not source.enabled or str(source.schedule) != schedule:
        return  # deleted, disabled, or a newer schedule replaced this one
    try:
        pull(source)
    except SyncError:
        pass  # recorded on the source; the next run resumes
    next_run = timezone.now() + timedelta(minutes=source.interval_minutes)
    SyncSource.objects.filter(pk=source.pk).update(next_run_at=next_run)
    if sync_source.get_backend().supports_defer:
        sync_source.using(run_after=next_run).enqueue(source.pk, schedule)
