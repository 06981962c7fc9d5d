"""Drafting a measure: who may, what is kept of each version, and the errors the workflow raises."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from clearinghouse.catalog import search
from clearinghouse.catalog.models import (
    Measure,
    MeasureReference,
    MeasureVersion,
)
from clearinghouse.catalog.services.outdating import refresh_outdated_translations
from clearinghouse.core import audit
from clearinghouse.core.visibility import TLP, Lifecycle

#: Whom the owner shares a record with: states and organizations (TLP:AMBER need to know), and named people
#: (TLP:RED; a curator named here may review it).
SHARING_FIELDS = ("shared_with_states", "shared_with_organizations", "shared_with_users")

#: The fields a member edits on a measure (the rest are set by the workflow).
EDITABLE_FIELDS = (
    "title",
    "summary",
    "description",
    "language",
    "pillar",
    "status",
    "since_year",
    "evidence",
    "evidence_source",
    "cost_range",
    "prerequisites",
    "tlp",
)
M2M_FIELDS = ("threats", "technologies", *SHARING_FIELDS)


class InvalidTransition(ValidationError):
    def __init__(self, current: str, target: str):
        super().__init__(
            _("A measure that is “%(current)s” cannot become “%(target)s”.")
            % {"current": Lifecycle(current).label, "target": Lifecycle(target).label},
            code="invalid_transition",
        )


class EditConflict(ValidationError):
    """Someone else changed the record since the form was opened: nothing is overwritten."""

    def __init__(self, current_version: int):
        self.current_version = current_version
        super().__init__(
            _(
                "This measure was changed by someone else while you were editing it (it is now at version "
                "%(version)s). Your changes were not saved: reload it, then apply them again."
            )
            % {"version": current_version},
            code="conflict",
        )


def is_member_of_owner(actor: Any, record: Any) -> bool:
    if not getattr(actor, "is_authenticated", False):
        return False
    if record.owner_state_id is not None:
        return actor.member_state_id == record.owner_state_id
    return actor.organization_id is not None and actor.organization_id == record.owner_organization_id


def can_edit(actor: Any, measure: Measure) -> bool:
    """Only members of the owning state or organization edit, and only while it is a draft."""
    return measure.lifecycle == Lifecycle.DRAFT and is_member_of_owner(actor, measure)


def require_curator(actor: Any, message: str) -> None:
    if not getattr(actor, "is_curator", False):
        raise PermissionDenied(message)


def snapshot(measure: Measure) -> dict[str, Any]:
    """The content of a measure as it is now, for its history."""
    return {
        "title": measure.title,
        "summary": measure.summary,
        "description": measure.description,
        "language": measure.language,
        "pillar": measure.pillar.slug,
        "status": measure.status,
        "since_year": measure.since_year,
        "evidence": measure.evidence,
        "evidence_source": measure.evidence_source,
        "cost_range": measure.cost_range,
        "prerequisites": measure.prerequisites,
        "tlp": measure.tlp,
        "lifecycle": measure.lifecycle,
        "threats": sorted(measure.threats.values_list("slug", flat=True)),
        "technologies": sorted(measure.technologies.values_list("slug", flat=True)),
        "references": [{"kind": r.kind, "title": r.title, "url": r.url} for r in measure.references.order_by("id")],
    }


def save_version(measure: Measure, *, actor: Any, action: str, comment: str = "") -> MeasureVersion:
    return MeasureVersion.objects.create(
        measure=measure,
        number=measure.version,
        snapshot=snapshot(measure),
        action=action,
        comment=comment,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )


def _check_named_people(people: Any) -> None:
    inactive = [person for person in people if not person.is_active]
    if inactive:
        raise ValidationError(
            _("These accounts are disabled and cannot be named: %(names)s")
            % {"names": ", ".join(sorted(person.get_username() for person in inactive))},
            code="inactive_named",
        )


def _set_relations(measure: Measure, relations: dict[str, Any], references: list[dict[str, str]] | None) -> None:
    if "shared_with_users" in relations:
        _check_named_people(relations["shared_with_users"])
    for name in M2M_FIELDS:
        if name in relations:
            getattr(measure, name).set(relations[name])
    if measure.tlp == TLP.RED and measure.created_by_id is not None:
        measure.shared_with_users.add(measure.created_by_id)  # the author is always among the people RED names
    if references is not None:
        measure.references.all().delete()
        for reference in references:
            item = MeasureReference(measure=measure, **reference)
            item.full_clean(exclude=["measure"])
            item.save()


def owner_for(actor: Any) -> dict[str, Any]:
    if getattr(actor, "member_state_id", None):
        return {"owner_state_id": actor.member_state_id}
    if getattr(actor, "organization_id", None):
        return {"owner_organization_id": actor.organization_id}
    raise PermissionDenied(_("Only members of a Member State or an organization can contribute measures."))


@transaction.atomic
def create_measure(
    *,
    actor: Any,
    references: list[dict[str, str]] | None = None,
    owner: dict[str, Any] | None = None,
    is_illustrative: bool = False,
    **fields: Any,
) -> Measure:
    """A member drafts a measure for their own state or organization."""
    relations = {name: fields.pop(name) for name in M2M_FIELDS if name in fields}
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    owner = owner if owner is not None else owner_for(actor)
    measure = Measure(
        **owner,
        **fields,
        lifecycle=Lifecycle.DRAFT,
        is_illustrative=is_illustrative,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    measure.full_clean()
    measure.save()
    _set_relations(measure, relations, references)
    save_version(measure, actor=actor, action="created")
    search.index_measure(measure)
    audit.record(actor, "measure.created", measure, changes={"title": measure.title})
    return measure


@transaction.atomic
def update_measure(
    measure: Measure,
    *,
    actor: Any,
    expected_version: int,
    references: list[dict[str, str]] | None = None,
    **fields: Any,
) -> Measure:
    """A member edits a draft of their own state or organization; a stale version is refused."""
    measure = Measure.objects.select_for_update().get(pk=measure.pk)
    if not can_edit(actor, measure):
        raise PermissionDenied(_("Only members of the owner can edit this measure, and only while it is a draft."))
    if measure.version != expected_version:
        raise EditConflict(measure.version)
    relations = {name: fields.pop(name) for name in M2M_FIELDS if name in fields}
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    before = snapshot(measure)
    for name, value in fields.items():
        setattr(measure, name, value)
    measure.full_clean()
    measure.version += 1
    measure.save()
    _set_relations(measure, relations, references)
    version = save_version(measure, actor=actor, action="edited")
    outdated = refresh_outdated_translations(measure, actor=actor)
    search.index_measure(measure)
    changes = audit.diff(before, version.snapshot)
    if outdated:
        changes["translations_outdated"] = [None, outdated]
    audit.record(actor, "measure.edited", measure, changes=changes)
    return measure
