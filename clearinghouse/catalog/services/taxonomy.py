"""The taxonomy in six languages: curators name threats and pillars in each language and add or remove the
synonyms of a threat ("SIM box", «boîtier SIM», «сим-бокс»), which search uses to find records across
languages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from clearinghouse.catalog.models import Language, Pillar, Threat, ThreatSynonym
from clearinghouse.core import audit
from clearinghouse.countries.models import NAME_COLUMNS

#: The name columns of a threat or a pillar, one per language.
NAME_FIELDS = tuple("name_" + suffix for suffix in NAME_COLUMNS.values())


def _require_curator(actor: Any) -> None:
    if not getattr(actor, "is_curator", False):
        raise PermissionDenied(_("Only a Secretariat curator can edit the taxonomy."))


@transaction.atomic
def rename_taxonomy_node(node: Threat | Pillar, *, actor: Any, **names: str) -> Threat | Pillar:
    """A curator sets the names of a threat or a pillar in the six languages (the English one is required)."""
    _require_curator(actor)
    unknown = set(names) - set(NAME_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown name fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    names = {field: " ".join((value or "").split()) for field, value in names.items()}
    if "name_en" in names and not names["name_en"]:
        raise ValidationError(_("The English name is required: it is shown where a language has no name."))
    # "no key": a measure written meanwhile may point at the node (see ``update_member_state_profile``)
    node = type(node).objects.select_for_update(no_key=True).get(pk=node.pk)
    before = {field: getattr(node, field) for field in names}
    for field, value in names.items():
        setattr(node, field, value)
    node.full_clean()
    changes = audit.diff(before, names)
    if changes:
        node.save(update_fields=list(names))
        audit.record(actor, f"{node._meta.model_name}.renamed", node, changes=changes)
    return node


@transaction.atomic
def add_threat_synonym(threat: Threat, *, actor: Any, language: str, text: str) -> ThreatSynonym:
    """A curator adds another word for a threat in one language."""
    _require_curator(actor)
    if language not in Language.values:
        raise ValidationError(
            _("%(language)s is not one of the six languages (%(languages)s).")
            % {"language": language, "languages": ", ".join(Language.values)}
        )
    synonym = ThreatSynonym(threat=threat, language=language, text=text or "", created_by=actor)
    synonym.clean()
    if not synonym.text:
        raise ValidationError(_("Write the synonym."))
    synonym.full_clean()
    synonym.save()
    audit.record(actor, "threat.synonym_added", threat, changes={"language": language, "synonym": synonym.text})
    return synonym


@transaction.atomic
def remove_threat_synonym(synonym: ThreatSynonym, *, actor: Any) -> None:
    """A curator removes a synonym of a threat."""
    _require_curator(actor)
    threat = synonym.threat
    audit.record(
        actor, "threat.synonym_removed", threat, changes={"language": synonym.language, "synonym": synonym.text}
    )
    synonym.delete()
