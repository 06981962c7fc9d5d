"""Pulling another instance's TAXII collection (or any TAXII 2.1 server's) into this catalogue as drafts.

Each page is imported in its own transaction together with the cursor (``added_after``): a remote that goes
down, or answers something that is not a TAXII envelope, stops the run with the error recorded and nothing
of that page kept, and the next run resumes after the last page that was taken in. Imports are idempotent
by STIX id and ``modified`` (``exchange.importing``), so a page pulled twice changes nothing.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

import requests
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from taxii2client.exceptions import TAXIIServiceException
from taxii2client.v21 import Collection, as_pages

from clearinghouse.exchange.importing import import_bundle
from clearinghouse.exchange.models import ImportRun, ImportSource, ImportStatus, SyncSource

log = logging.getLogger(__name__)

#: Objects asked for per request (a server may send fewer).
PAGE_SIZE = 1000
#: Seconds to wait for the remote to connect and to answer.
TIMEOUT = (10, 120)


class SyncError(Exception):
    """The remote could not be read, or what it sent could not be taken in; nothing of the page was kept."""


class _RemoteAuth(requests.auth.AuthBase):
    """Sends the remote's API token and remembers each answer's ``X-TAXII-Date-Added-Last``."""

    def __init__(self, token: str):
        self.token = token
        self.date_added_last: str | None = None

    def __call__(self, request: Any) -> Any:
        if self.token:
            request.headers["Authorization"] = f"Token {self.token}"
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


def _owner(source: SyncSource) -> dict[str, Any]:
    if source.owner_state_id:
        return {"owner_state_id": source.owner_state_id}
    return {"owner_organization_id": source.owner_organization_id}


def pull(source: SyncSource) -> list[ImportRun]:
    """Take in what the remote collection added since the last run. Raises :class:`SyncError` (after saving
    the error on the source) when the remote cannot be read; pages taken in before stay taken in."""
    auth = _RemoteAuth(source.token)
    runs: list[ImportRun] = []
    filters = {"added_after": source.added_after} if source.added_after else {}
    SyncSource.objects.filter(pk=source.pk).update(last_run_at=timezone.now())
    try:
        remote = _remote(source, auth)
        for envelope in as_pages(remote.get_objects, per_request=PAGE_SIZE, **filters):
            if not isinstance(envelope, dict) or not isinstance(envelope.get("objects", []), list):
                raise SyncError(_("The remote answered something that is not a TAXII envelope."))
            cursor = auth.date_added_last
            objects = envelope.get("objects", [])
            with transaction.atomic():
                if objects:
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
                if cursor:
                    source.added_after = cursor
                    SyncSource.objects.filter(pk=source.pk).update(added_after=cursor)
    except SyncError as error:
        _failed(source, str(error))
        raise
    except (requests.RequestException, TAXIIServiceException, ValueError) as error:
        message = _("The remote could not be read: %(error)s") % {"error": _describe(error)}
        _failed(source, message)
        raise SyncError(message) from error
    SyncSource.objects.filter(pk=source.pk).update(last_ok_at=timezone.now(), last_error="")
    return runs


def _describe(error: Exception) -> str:
    if isinstance(error, requests.HTTPError) and error.response is not None:
        return f"HTTP {error.response.status_code} {error.response.reason}"
    if isinstance(error, requests.ConnectionError):
        return _("no connection (%(kind)s)") % {"kind": type(error).__name__}
    return str(error)[:300]


def _failed(source: SyncSource, message: str) -> None:
    log.warning("sync from %s failed: %s", collection_url(source), message)
    SyncSource.objects.filter(pk=source.pk).update(last_error=message)


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
