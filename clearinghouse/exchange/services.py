"""Sync sources: a curator says which remote TAXII collection to pull, how often and for whom."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clearinghouse.core import audit
from clearinghouse.exchange.models import SyncSource

#: The shortest interval between two scheduled pulls of one source.
MIN_INTERVAL_MINUTES = 5
EDITABLE = ("name", "api_root", "collection", "token", "interval_minutes", "owner_state", "owner_organization")


def can_manage_sync(actor: Any) -> bool:
    return bool(getattr(actor, "is_curator", False))


def _require_curator(actor: Any) -> None:
    if not can_manage_sync(actor):
        raise PermissionDenied(_("Only a curator can configure sync sources."))


def check_sync_source(source: SyncSource) -> None:
    parts = urlsplit(source.api_root)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationError(
            {"api_root": _("Give the address of the remote's TAXII API root, such as https://example.org/taxii2/api/.")}
        )
    if not source.api_root.endswith("/"):
        source.api_root += "/"
    source.collection = source.collection.strip()
    if not source.collection or "/" in source.collection:
        raise ValidationError({"collection": _("Give the collection's id as the remote lists it.")})
    if source.interval_minutes < MIN_INTERVAL_MINUTES:
        raise ValidationError(
            {"interval_minutes": _("Pull at most every %(n)d minutes.") % {"n": MIN_INTERVAL_MINUTES}}
        )
    if (source.owner_state_id is None) == (source.owner_organization_id is None):
        raise ValidationError(_("Drafts need one owner: a Member State or an organization."))
    source.full_clean()


def _start_schedule(source: SyncSource) -> None:
    """A new schedule, started once the transaction commits; tasks of an older schedule stop by themselves."""
    from clearinghouse.exchange.tasks import sync_source

    source.schedule = uuid.uuid4()
    source.next_run_at = timezone.now()
    source.save(update_fields=["schedule", "next_run_at"])
    schedule = str(source.schedule)
    transaction.on_commit(lambda: sync_source.enqueue(source.pk, schedule))


@transaction.atomic
def create_sync_source(*, actor: Any, **fields: Any) -> SyncSource:
    _require_curator(actor)
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValidationError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    source = SyncSource(**fields, created_by=actor if getattr(actor, "is_authenticated", False) else None)
    check_sync_source(source)
    source.save()
    audit.record(
        actor, "sync_source.created", source, changes={"api_root": source.api_root, "collection": source.collection}
    )
    if source.enabled:
        _start_schedule(source)
    return source


@transaction.atomic
def update_sync_source(source: SyncSource, *, actor: Any, **fields: Any) -> SyncSource:
    """Change a source; a new address or collection starts again from the beginning of the remote collection."""
    _require_curator(actor)
    source = SyncSource.objects.select_for_update().get(pk=source.pk)
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValidationError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    if fields.get("token") == "":
        fields.pop("token")  # an empty token field keeps the saved one (it is never shown again)
    before = {name: getattr(source, name) for name in ("api_root", "collection", "interval_minutes")}
    for name, value in fields.items():
        setattr(source, name, value)
    check_sync_source(source)
    if (source.api_root, source.collection) != (before["api_root"], before["collection"]):
        source.added_after = ""
    source.save()
    after = {name: getattr(source, name) for name in before}
    audit.record(actor, "sync_source.changed", source, changes=audit.diff(before, after))
    return source


@transaction.atomic
def set_sync_enabled(source: SyncSource, *, actor: Any, enabled: bool) -> SyncSource:
    _require_curator(actor)
    source = SyncSource.objects.select_for_update().get(pk=source.pk)
    if source.enabled == enabled:
        return source
    source.enabled = enabled
    source.next_run_at = None
    source.save(update_fields=["enabled", "next_run_at"])
    audit.record(actor, "sync_source.enabled" if enabled else "sync_source.disabled", source)
    if enabled:
        _start_schedule(source)
    return source


@transaction.atomic
def run_sync_now(source: SyncSource, *, actor: Any) -> None:
    """Pull once now, in the background; the schedule goes on as it was."""
    from clearinghouse.exchange.tasks import sync_once

    _require_curator(actor)
    audit.record(actor, "sync_source.run_requested", source)
    transaction.on_commit(lambda: sync_once.enqueue(source.pk))
