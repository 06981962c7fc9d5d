"""TAXII collections: who reads which, and which stored STIX objects each serves.

A collection is an audience (DOMAIN.md, "Sharing markings and who sees what"):

- ``public``: anyone, signed in or not: TLP:CLEAR;
- ``members``: any signed-in member: TLP:CLEAR and TLP:GREEN;
- one per Member State and one per organization: its members: the TLP:AMBER and TLP:AMBER+STRICT
  records that state or organization may see (its own, and those shared with it).

TLP:RED is never served. What a collection holds is decided by the one visibility rule
(:meth:`ShareableQuerySet.visible_to`) applied to the collection's audience, never by a rule of its own.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from clearinghouse.catalog.models import Measure, Technology
from clearinghouse.core.visibility import TLP, Viewer
from clearinghouse.countries.models import MemberState, Organization
from clearinghouse.exchange import stix
from clearinghouse.exchange.models import ImportRun, StixObject, SyncSource


def collection_id(key: str) -> str:
    return str(uuid.uuid5(stix.NAMESPACE, f"taxii-collection:{key}"))


@dataclass(frozen=True)
class Collection:
    key: str
    title: str
    description: str
    audience: Viewer
    tlps: tuple[str, ...]
    can_write: bool
    #: The owner drafts get when a bundle is posted here.
    owner: dict[str, int] | None = None

    @property
    def id(self) -> str:
        return collection_id(self.key)


def _public() -> Collection:
    return Collection(
        key="public",
        title=_("Public (TLP:CLEAR)"),
        description=_("Published measures and technologies anyone may read."),
        audience=Viewer.of(None),
        tlps=(TLP.CLEAR,),
        can_write=False,
    )


def _members() -> Collection:
    return Collection(
        key="members",
        title=_("Members (TLP:CLEAR and TLP:GREEN)"),
        description=_("Published measures and technologies every signed-in member may read."),
        audience=Viewer.audience(),
        tlps=(TLP.CLEAR, TLP.GREEN),
        can_write=False,
    )


def _own(key: str, name: str, owner: dict[str, int]) -> Collection:
    """The collection of one Member State or one organization (``owner``: its id as a record's owner field)."""
    return Collection(
        key=key,
        title=_("%(name)s (TLP:AMBER and TLP:AMBER+STRICT)") % {"name": name},
        description=_(
            "Published records at TLP:AMBER and TLP:AMBER+STRICT that %(name)s owns or that are shared with it. "
            "Bundles posted here become drafts of %(name)s, reviewed before publication."
        )
        % {"name": name},
        audience=Viewer.audience(
            member_state_id=owner.get("owner_state_id"), organization_id=owner.get("owner_organization_id")
        ),
        tlps=(TLP.AMBER, TLP.AMBER_STRICT),
        can_write=True,
        owner=owner,
    )


def collections_for(user: Any) -> list[Collection]:
    """The collections this user may read: public, and for members also ``members`` and their own state's or
    organization's."""
    viewer = Viewer.of(user)
    found = [_public()]
    if viewer.is_anonymous:
        return found
    found.append(_members())
    if viewer.member_state_id is not None:
        state = MemberState.objects.only("alpha2", "name_en").get(pk=viewer.member_state_id)
        found.append(_own(f"state:{state.alpha2}", state.name_en, {"owner_state_id": state.pk}))
    if viewer.organization_id is not None:
        organization = Organization.objects.only("slug", "name").get(pk=viewer.organization_id)
        found.append(
            _own(f"organization:{organization.slug}", organization.name, {"owner_organization_id": organization.pk})
        )
    return found


def known_collection(identifier: str) -> bool:
    """Whether an id names a collection at all (for telling "no such collection" from "not yours")."""
    if identifier in (collection_id("public"), collection_id("members")):
        return True
    keys = [f"state:{a}" for a in MemberState.objects.values_list("alpha2", flat=True)]
    keys += [f"organization:{s}" for s in Organization.objects.values_list("slug", flat=True)]
    return any(collection_id(key) == identifier for key in keys)


def collection_for(user: Any, identifier: str) -> Collection | None:
    return next((c for c in collections_for(user) if c.id == identifier), None)


def served(collection: Collection) -> QuerySet[StixObject]:
    """Every stored STIX object version this collection serves: the objects of the records its audience may
    see at its markings, and the reference data (platform, markings, threats, states, organizations)."""

    def through(model: Any, relation: str) -> Q:
        prefix = f"{relation}__"
        rules: Any = model.objects
        return (
            rules.visibility_condition(collection.audience, through=prefix)
            & rules.exportable_condition(through=prefix)
            & Q(**{f"{prefix}tlp__in": collection.tlps})
        )

    # The rule is applied to each object's record through a join: the database walks the objects in id
    # order (a page is the next ``limit`` of them) and looks each record up by its key, at a cost that does
    # not grow with the number of visible records.
    return StixObject.objects.filter(
        Q(measure__isnull=True, technology__isnull=True)
        | through(Measure, "measure")
        | through(Technology, "technology")
    )


def imports_visible_to(user: Any) -> QuerySet[ImportRun]:
    """The imports a person may see: their own and their state's or organization's; a curator sees all."""
    if not getattr(user, "is_authenticated", False):
        return ImportRun.objects.none()
    runs = ImportRun.objects.select_related("actor", "owner_state", "owner_organization")
    if getattr(user, "is_curator", False):
        return runs
    mine = Q(actor_id=user.pk)
    if user.member_state_id is not None:
        mine |= Q(owner_state_id=user.member_state_id)
    if user.organization_id is not None:
        mine |= Q(owner_organization_id=user.organization_id)
    return runs.filter(mine)


def sync_sources_visible_to(user: Any) -> QuerySet[SyncSource]:
    """The sync sources a person may see: curators, who configure them, see all; nobody else any."""
    if not getattr(user, "is_curator", False):
        return SyncSource.objects.none()
    return SyncSource.objects.all()


def status_for(user: Any, identifier: str) -> ImportRun | None:
    """An import's status resource (TAXII), for those who may see the import."""
    try:
        uuid.UUID(identifier)
    except ValueError:
        return None
    return imports_visible_to(user).filter(pk=identifier).first()
