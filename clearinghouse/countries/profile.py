"""The parts of a Member State's or an organization's page that the apps above give (DESIGN.md §3: countries stands on
floor 2, and reads nothing of the catalogue, assistance or insights; they register here, in their ``ready``, what
they show of an owner, each through its own selectors and the one access rule).

A section is a template and the function that reads its context for an owner (a ``MemberState`` or an
``Organization``) and a reader: ``None`` when it has nothing to show. The page renders them in their ``order``, after
the owner's own details; the template has the owner as ``owner`` (and as ``state`` on a state's page).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils.safestring import SafeString


@dataclass(frozen=True)
class Section:
    """A part of an owner's page: ``read(owner, user)`` answers its template's context, or None."""

    key: str
    template: str
    read: Callable[[Any, Any], dict[str, Any] | None]
    order: int = 50


_SECTIONS: dict[str, Section] = {}


def register_section(section: Section) -> None:
    """Add (or replace, by its key) a part of every owner's page."""
    _SECTIONS[section.key] = section


def rendered_sections(request: Any, owner: Any) -> list[SafeString]:
    """Each registered section with something to show this reader of ``owner``, rendered, in order; each kept for
    this reader and language until any record changes (``core.pagecache.kept_for_reader``: a member reads the same
    page again and again, and the sections run the access rule's queries many times). A section holds no form."""
    from clearinghouse.core.pagecache import kept_for_reader
    from clearinghouse.countries.models import MemberState

    base = {"owner": owner, "state": owner if isinstance(owner, MemberState) else None}
    found = []
    for section in sorted(_SECTIONS.values(), key=lambda s: (s.order, s.key)):

        def render(section: Section = section) -> str:
            context = section.read(owner, request.user)
            return "" if context is None else render_to_string(section.template, {**base, **context}, request)

        html = kept_for_reader(request, f"section:{section.key}", render, type(owner).__name__, owner.pk)
        if html:
            found.append(SafeString(html))
    return found
