"""Sync sources: a curator says which remote TAXII collection to pull, how often, for whom, and how to sign in.

The secrets (an API token, or a password for HTTP Basic) are encrypted before they are saved
(``exchange.credentials``) and never shown again; a user name and password written into the address are
moved out of it. An empty token or password keeps the saved one.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlsplit

import requests
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clearinghouse.core import audit
from clearinghouse.exchange import credentials
from clearinghouse.exchange.models import SyncSource

#: The shortest interval between two scheduled pulls of one source.
MIN_INTERVAL_MINUTES = 5
EDITABLE = ("name", "api_root", "collection", "interval_minutes", "owner_state", "owner_organization")
#: What the form and the command may say about signing in to the remote (``forget_credentials``: drop the saved).
CREDENTIALS = ("token", "username", "password", "forget_credentials")


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
    if parts.query or parts.fragment:
        raise ValidationError({"api_root": _("A TAXII API root's address has no query string (“?…”) or fragment.")})
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


def set_credentials(source: SyncSource, **given: Any) -> None:
    """Apply what a form or the command says about signing in (see ``CREDENTIALS``) to ``source``, encrypting
    the secrets. ``username`` absent keeps the saved one; an empty token or password keeps the saved one."""
    unknown = set(given) - set(CREDENTIALS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    token, password = given.get("token") or "", given.get("password") or ""
    username = (given["username"] or "").strip() if "username" in given else source.username
    if given.get("forget_credentials"):
        source.encrypted_token = source.encrypted_password = source.username = ""
    if token and (password or ("username" in given and username)):
        raise ValidationError(_("Give an API token, or a user name and password, not both."))
    if token:
        source.encrypted_token, source.username, source.encrypted_password = credentials.encrypt(token), "", ""
        return
    if username != source.username:
        source.encrypted_password = ""  # a password goes with its user name
    source.username = username
    if password:
        if not username:
            raise ValidationError({"username": _("Give the user name that goes with the password.")})
        source.encrypted_password, source.encrypted_token = credentials.encrypt(password), ""
    elif username and not source.encrypted_password:
        raise ValidationError({"password": _("Give the password of this user at the remote.")})


def prepare_sync_source(source: SyncSource, **fields: Any) -> None:
    """Apply a form's or the command's fields to ``source`` and check them (nothing is saved). A user name and
    password written into the address (``https://user:pass@host/…``) are taken out of it as credentials."""
    unknown = set(fields) - set(EDITABLE) - set(CREDENTIALS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    secrets = {name: fields.pop(name) for name in CREDENTIALS if name in fields}
    if "api_root" in fields:
        fields["api_root"], username, password = credentials.split_address(fields["api_root"] or "")
        if username:
            if secrets.get("username") and secrets["username"] != username:
                raise ValidationError({"api_root": _("The address names another user than the user name field.")})
            secrets["username"] = username
            secrets["password"] = secrets.get("password") or password
    for name, value in fields.items():
        setattr(source, name, value)
    set_credentials(source, **secrets)
    check_sync_source(source)


def verify_sync_source(source: SyncSource) -> None:
    """Read the remote collection with the source's credentials before saving it: a remote that refuses them,
    or has no such collection, is a ValidationError naming why. A remote that cannot be reached is not (the
    source is saved, and its first pull reports the error)."""
    from clearinghouse.exchange import sync

    try:
        sync.check_access(source, sync.Credentials.of(source))
    except sync.SyncError as error:
        cause = error.__cause__
        if isinstance(cause, requests.ConnectionError | requests.Timeout):
            return
        raise ValidationError(_("%(error)s Nothing was saved.") % {"error": error}) from error


def _start_schedule(source: SyncSource) -> None:
    """A new schedule, started once the transaction commits; tasks of an older schedule stop by themselves."""
    from clearinghouse.exchange.tasks import sync_source

    source.schedule = uuid.uuid4()
    source.next_run_at = timezone.now()
    source.save(update_fields=["schedule", "next_run_at"])
    schedule = str(source.schedule)
    transaction.on_commit(lambda: sync_source.enqueue(source.pk, schedule))


def create_sync_source(*, actor: Any, verify: bool = False, **fields: Any) -> SyncSource:
    """A new source, pulled at once and then on its schedule. ``verify``: first read the remote with the
    credentials given (the page does; see :func:`verify_sync_source`)."""
    _require_curator(actor)
    source = SyncSource(created_by=actor if getattr(actor, "is_authenticated", False) else None)
    prepare_sync_source(source, **fields)
    if verify:
        verify_sync_source(source)  # before the transaction: no lock is held while the remote answers
    with transaction.atomic():
        source.save()
        audit.record(
            actor,
            "sync_source.created",
            source,
            changes={"api_root": source.api_root, "collection": source.collection, "sign_in": source.authentication},
        )
        if source.enabled:
            _start_schedule(source)
    return source


def update_sync_source(source: SyncSource, *, actor: Any, verify: bool = False, **fields: Any) -> SyncSource:
    """Change a source; a new address or collection starts again from the beginning of the remote collection."""
    _require_curator(actor)
    if verify:
        candidate = SyncSource.objects.get(pk=source.pk)
        prepare_sync_source(candidate, **dict(fields))
        verify_sync_source(candidate)
    with transaction.atomic():
        source = SyncSource.objects.select_for_update().get(pk=source.pk)
        names = ("api_root", "collection", "interval_minutes", "authentication")
        before = {name: str(getattr(source, name)) for name in names}
        secrets = (source.encrypted_token, source.encrypted_password)
        prepare_sync_source(source, **fields)
        if (source.api_root, source.collection) != (before["api_root"], before["collection"]):
            source.added_after = ""
        source.save()
        after = {name: str(getattr(source, name)) for name in names}
        changes = audit.diff(before, after)
        if (source.encrypted_token, source.encrypted_password) != secrets:
            changes["secret_replaced"] = [False, True]  # that it changed, never its value
        audit.record(actor, "sync_source.changed", source, changes=changes)
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
    transaction.on_commit(lambda: sync_once.enqueue(source.pk, actor.pk))
