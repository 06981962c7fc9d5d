"""Technologies, described by the Secretariat."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from clearinghouse.catalog.models import (
    Technology,
)
from clearinghouse.catalog.services.drafting import owner_for
from clearinghouse.core import audit


@transaction.atomic
def create_technology(
    *, actor: Any, owner: dict[str, Any] | None = None, threats: Any = (), **fields: Any
) -> Technology:
    """The Secretariat describes a technology (``actor=None``: the demo or import loader)."""
    if actor is not None and not getattr(actor, "is_curator", False):
        raise PermissionDenied(_("Only the Secretariat describes technologies."))
    owner = owner if owner is not None else owner_for(actor)
    technology = Technology(**owner, **fields)
    technology.full_clean()
    technology.save()
    technology.threats.set(threats)
    audit.record(actor, "technology.created", technology, changes={"name": technology.name})
    return technology
