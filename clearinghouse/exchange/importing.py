"""STIX 2.1 in: a bundle (or a TAXII envelope) becomes catalogue drafts in review, never published.

:func:`import_bundle` reads the bytes, checks every object (its own checks: the ``stix2`` object model is
50 times slower than ``json.loads``), then maps in one transaction:

- a ``course-of-action`` with this platform's extension → a measure with all its properties; one whose
  external reference is ``Clearinghouse 174`` / ``technology-<slug>`` → a technology; any other (MITRE
  ATT&CK mitigations…) → a measure of the technical pillar, summarised from its first sentences;
- ``mitigates`` → the threat of our taxonomy it names, or a reference to the technique (ATT&CK or any
  ``attack-pattern``); ``related-to`` a technology → the technology the measure uses;
- ``language-content`` → translations in the platform's languages;
- everything else is kept (``ImportedObject``) but not mapped, and listed with the reason.

Invalid STIX stores nothing but the :class:`ImportRun` that says why. TLP:RED objects are refused one by
one. Each version of an object is taken in once (id and ``modified``): the same version again changes
nothing, a newer one updates the record it became (back to review, the older content kept in its history),
an older one is kept as history only. New records are written in bulk (``catalog.services.import_measures``):
a bundle of 100,000 objects takes seconds.
"""

from __future__ import annotations

import functools
import gc
import json
import logging
import re
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import DatabaseError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from clearinghouse.catalog import services as catalog
from clearinghouse.catalog.models import (
    CostRange,
    Language,
    Measure,
    MeasureStatus,
    Pillar,
    ReferenceKind,
    Technology,
    Threat,
)
from clearinghouse.core import audit, bulk
from clearinghouse.core.visibility import TLP
from clearinghouse.exchange import archive, stix
from clearinghouse.exchange.models import ImportArchive, ImportedObject, ImportRun, ImportSource, ImportStatus

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]

#: Entries kept in each list of a report (successes, failures, unmapped, records); the rest are counted.
MAX_LISTED = 1000
#: Messages about single objects repeated in ``errors`` when a bundle is refused.
MAX_ERRORS = 20
#: Ids per ``IN (…)``: SQLite allows 999 parameters.
CHUNK = 900
#: New measures queued on the writer at a time, while the next are mapped.
DRAFT_BATCH = 5000
#: The pillar and status of a course-of-action without this platform's extension.
DEFAULT_PILLAR = "technical"
DEFAULT_STATUS = MeasureStatus.PLANNED

# STIX 2.1 (OASIS, 2021) §4–§6: the object types of the specification.
SDO_TYPES = frozenset(
    "attack-pattern campaign course-of-action grouping identity incident indicator infrastructure intrusion-set "
    "location malware malware-analysis note observed-data opinion report threat-actor tool vulnerability".split()
)
SRO_TYPES = frozenset({"relationship", "sighting"})
SCO_TYPES = frozenset(
    "artifact autonomous-system directory domain-name email-addr email-message file ipv4-addr ipv6-addr mac-addr "
    "mutex network-traffic process software url user-account windows-registry-key x509-certificate".split()
)
#: Objects that carry ``created`` and ``modified``: SDOs, SROs, and two meta objects.
VERSIONED_TYPES = SDO_TYPES | SRO_TYPES | {"language-content", "extension-definition"}
STIX_TYPES = VERSIONED_TYPES | SCO_TYPES | {"marking-definition"}

#: TLP 1.0 marking definitions (STIX 2.1 §7.2.1.4), read as their TLP 2.0 counterparts.
TLP1_MARKINGS = {
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": TLP.CLEAR,  # white
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": TLP.GREEN,
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": TLP.AMBER,
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": TLP.RED,
}
_NARROWNESS = (TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT, TLP.RED)
TLP_MARKINGS = {identifier: tlp for tlp, (identifier, _level) in stix.TLP2_MARKINGS.items()} | TLP1_MARKINGS
RED_MARKINGS = tuple(identifier for identifier, tlp in TLP_MARKINGS.items() if tlp == TLP.RED)

_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_ID = re.compile(rf"([a-z0-9][a-z0-9-]*)--{_UUID}")
_TIMESTAMP = re.compile(
    r"[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])T(?:[01][0-9]|2[0-3]):[0-5][0-9]:(?:[0-5][0-9]|60)"
    r"(?:\.([0-9]{1,9}))?Z"
)
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_AFTER_OBJECT = re.compile(r"[ \t\n\r]*([,\]])[ \t\n\r]*")
#: ``_skip(text, position).end()``: where the JSON whitespace from ``position`` ends (the pattern always matches).
_skip = cast(Callable[[str, int], "re.Match[str]"], _WHITESPACE.match)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[A-Z0-9])")
_PLATFORM_LANGUAGES = {code.split("-")[0]: code for code in Language.values}
_STATUSES = frozenset(MeasureStatus.values)
_COST_RANGES = frozenset(["", *CostRange.values])
_valid_url = URLValidator(schemes=["http", "https"])


class Refused(Exception):
    """The bundle as a whole cannot be taken in: nothing is stored but the run that says why."""

    def __init__(self, message: str, failures: list[dict[str, str]] | None = None, total: int = 0):
        super().__init__(message)
        self.message = message
        self.failures = failures or []
        self.total = total


class _NotPlain(Exception):
    """The walk over the top level met something :func:`json.loads` should judge (an error, or odd layout)."""


# --- reading ----------------------------------------------------------------------------------


_decoder = json.JSONDecoder()


Spans = list[tuple[Any, int, int]]


def _walk(text: str) -> tuple[dict[str, Any], Spans | None]:
    """The top level's properties and each of its ``objects`` with where its text starts and ends, read with
    the standard library's scanner object by object (so an object's text is kept as received, not written
    again, and only for the objects kept)."""
    scan, skip = _decoder.raw_decode, _skip
    position = skip(text, 0).end()
    if text[position : position + 1] != "{":
        raise _NotPlain
    top: dict[str, Any] = {}
    objects: Spans | None = None
    position = skip(text, position + 1).end()
    if text[position : position + 1] == "}":
        position += 1
    else:
        while True:
            if text[position : position + 1] != '"':
                raise _NotPlain
            key, position = scan(text, position)
            position = skip(text, position).end()
            if text[position : position + 1] != ":":
                raise _NotPlain
            position = skip(text, position + 1).end()
            if key == "objects" and text[position : position + 1] == "[":
                top.pop("objects", None)
                objects = []
                position = skip(text, position + 1).end()
                if text[position : position + 1] == "]":
                    position += 1
                else:
                    after, append = _AFTER_OBJECT.match, objects.append
                    while True:
                        start = position
                        value, position = scan(text, position)
                        append((value, start, position))
                        found = after(text, position)  # the comma or bracket after it, spaces around
                        if found is None:
                            raise _NotPlain
                        position = found.end()
                        if found.group(1) == "]":
                            break
            else:
                if key == "objects":
                    objects = None
                top[key], position = scan(text, position)
            position = skip(text, position).end()
            mark = text[position : position + 1]
            position = skip(text, position + 1).end()
            if mark == "}":
                break
            if mark != ",":
                raise _NotPlain
    if skip(text, position).end() != len(text):
        raise _NotPlain
    return top, objects


def read_bundle(raw: bytes) -> tuple[str, Spans]:
    """The text of a STIX 2.1 bundle or TAXII 2.1 envelope and its objects, each with where its text starts and
    ends (-1 when it is to be written again). Raises :class:`Refused`."""
    limit = settings.STIX_IMPORT_MAX_BYTES
    if len(raw) > limit:
        raise Refused(
            _("The bundle is %(size)s bytes; the limit is %(limit)s bytes (STIX_IMPORT_MAX_BYTES).")
            % {"size": f"{len(raw):,}", "limit": f"{limit:,}"}
        )
    if raw.isspace() or not raw:
        raise Refused(_("The file is empty: expected a STIX 2.1 bundle."))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Refused(
            _("The file is not UTF-8 text (byte %(position)s cannot be read): STIX is JSON in UTF-8.")
            % {"position": f"{error.start:,}"}
        ) from None
    text = text.removeprefix("\ufeff")
    try:
        top, objects = _walk(text)
    except (_NotPlain, ValueError):
        try:
            data = json.loads(text)
        except ValueError as error:
            message = error.msg if isinstance(error, json.JSONDecodeError) else str(error)
            where = (
                _(" at line %(line)s, column %(column)s") % {"line": error.lineno, "column": error.colno}
                if isinstance(error, json.JSONDecodeError)
                else ""
            )
            raise Refused(
                _("The file is not valid JSON: %(message)s%(where)s.") % {"message": message, "where": where}
            ) from None
        if not isinstance(data, dict):
            raise Refused(
                _("The top level is a JSON %(kind)s, not a STIX bundle or a TAXII envelope.")
                % {"kind": type(data).__name__.replace("list", "array").replace("str", "string")}
            ) from None
        listed = data.pop("objects", None)
        top = data
        objects = [(obj, -1, -1) for obj in listed] if isinstance(listed, list) else None
        if listed is not None and objects is None:
            top["objects"] = listed
    kind = top.get("type")
    if kind is not None and kind != "bundle":
        raise Refused(
            _('The top level is a “%(type)s”, not a bundle: wrap the objects in a bundle, {"type": "bundle", …}.')
            % {"type": str(kind)[:60]}
        )
    if kind == "bundle":
        if top.get("spec_version") not in (None, stix.SPEC_VERSION):
            raise Refused(
                _("This is a STIX %(version)s bundle; this platform takes STIX 2.1 only.")
                % {"version": str(top.get("spec_version"))[:10]}
            )
        identifier = top.get("id")
        if not isinstance(identifier, str) or not re.fullmatch(f"bundle--{_UUID}", identifier):
            raise Refused(_("The bundle's id “%(id)s” is not bundle--<UUID>.") % {"id": str(identifier)[:80]})
    if "objects" in top:
        raise Refused(_("“objects” is not a list of STIX objects."))
    if objects is None:
        if kind == "bundle":
            return text, []
        raise Refused(
            _('The top level is neither a STIX bundle ({"type": "bundle", …}) nor a TAXII envelope ({"objects": […]}).')
        )
    return text, objects


# --- checking -----------------------------------------------------------------------------------


def version_key(timestamp: str) -> str:
    """A STIX timestamp as a string that sorts as time, whatever its precision."""
    if not timestamp:
        return ""
    whole, _dot, fraction = timestamp[:-1].partition(".")
    return whole + "." + fraction.ljust(9, "0")


def _timestamp_problem(obj: dict[str, Any], name: str, required: bool) -> str | None:
    value = obj.get(name)
    if value is None:
        return _("%(property)s is missing") % {"property": name} if required else None
    if not isinstance(value, str) or not _TIMESTAMP.fullmatch(value):
        return _("%(property)s “%(value)s” is not a STIX timestamp (YYYY-MM-DDTHH:MM:SS[.sss]Z, in UTC)") % {
            "property": name,
            "value": str(value)[:40],
        }
    return None


def _is_id(value: Any) -> bool:
    return isinstance(value, str) and len(value) <= 120 and _ID.fullmatch(value) is not None


def object_problems(obj: Any) -> list[str]:
    """What makes one object invalid STIX 2.1 for this platform (nothing when it is valid)."""
    if not isinstance(obj, dict):
        return [_("not a JSON object")]
    problems = []
    kind = obj.get("type")
    identifier = obj.get("id")
    if not isinstance(kind, str) or not kind:
        problems.append(_("type is missing"))
    elif kind not in STIX_TYPES and not kind.startswith("x-"):
        problems.append(
            _("type “%(type)s” is not a STIX 2.1 type (custom types start with “x-”)") % {"type": kind[:60]}
        )
    elif len(kind) > 60:
        problems.append(_("type is longer than 60 characters"))
    if not isinstance(identifier, str):
        problems.append(_("id is missing"))
    elif not _is_id(identifier):
        problems.append(_("id “%(id)s” is not <type>--<UUID>") % {"id": identifier[:80]})
    elif isinstance(kind, str) and identifier.split("--")[0] != kind:
        problems.append(_("id “%(id)s” does not start with its type “%(type)s”") % {"id": identifier, "type": kind})
    version = obj.get("spec_version")
    custom = isinstance(kind, str) and kind.startswith("x-")
    needs_version = kind in VERSIONED_TYPES or kind == "marking-definition"
    if version is None and needs_version:
        problems.append(_("spec_version is missing; this platform takes STIX 2.1 only"))
    elif version is not None and version != stix.SPEC_VERSION:
        problems.append(
            _("spec_version is “%(version)s”; this platform takes STIX 2.1 only") % {"version": str(version)[:10]}
        )
    if kind in VERSIONED_TYPES or custom:
        for name in ("created", "modified"):
            problem = _timestamp_problem(obj, name, required=not custom)
            if problem:
                problems.append(problem)
        created, modified = obj.get("created"), obj.get("modified")
        if (
            isinstance(created, str)
            and isinstance(modified, str)
            and _TIMESTAMP.fullmatch(created)
            and _TIMESTAMP.fullmatch(modified)
            and version_key(modified) < version_key(created)
        ):
            problems.append(_("modified is earlier than created"))
    elif kind == "marking-definition":
        problem = _timestamp_problem(obj, "created", required=True)
        if problem:
            problems.append(problem)
    for name, value in obj.items():
        if name.startswith("x_") and value in ("", None, []):
            continue  # an empty custom reference (ATT&CK writes "x_mitre_data_source_ref": ""): none given
        if name.endswith("_ref"):
            if not _is_id(value):
                problems.append(_("%(property)s is not a STIX id") % {"property": name})
        elif name.endswith("_refs") and (not isinstance(value, list) or not all(_is_id(v) for v in value)):
            problems.append(_("%(property)s is not a list of STIX ids") % {"property": name})
    if kind == "relationship":
        for name in ("relationship_type", "source_ref", "target_ref"):
            if name not in obj:
                problems.append(_("a relationship needs %(property)s") % {"property": name})
    elif kind == "language-content":
        if "object_ref" not in obj:
            problems.append(_("a language-content needs object_ref"))
        if not isinstance(obj.get("contents"), dict):
            problems.append(_("a language-content needs contents (an object keyed by language)"))
    return problems


class Checker:
    """A fast yes for the usual object (an SDO or SRO with nothing wrong); ``False`` means "ask
    :func:`object_problems`", which has the last word.

    Strings checked once are remembered (ids and timestamps recur across a bundle: every relationship names
    its ends, every object its marking), and so is each shape of object (its property names, which repeat
    by type and producer), so only the reference properties of a shape are looked at.
    """

    def __init__(self) -> None:
        self.known: set[str] = set()
        self.shapes: dict[tuple[str, ...], tuple[tuple[str, ...], tuple[str, ...]]] = {}

    def _shape(self, names: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        shape = self.shapes.get(names)
        if shape is None:
            shape = self.shapes[names] = (
                tuple(name for name in names if name.endswith("_ref")),
                tuple(name for name in names if name.endswith("_refs")),
            )
        return shape

    def valid(self, obj: Any) -> bool:
        if obj.__class__ is not dict:
            return False
        kind = obj.get("type")
        if kind not in VERSIONED_TYPES or obj.get("spec_version") != "2.1":
            return False
        identifier, created, modified = obj.get("id"), obj.get("created"), obj.get("modified")
        if identifier.__class__ is not str or created.__class__ is not str or modified.__class__ is not str:
            return False
        if identifier[: len(kind) + 2] != kind + "--":
            return False
        known = self.known
        if identifier not in known:
            if not _is_id(identifier):
                return False
            known.add(identifier)
        for timestamp in (created, modified):
            if timestamp not in known:
                if not _TIMESTAMP.fullmatch(timestamp):
                    return False
                known.add(timestamp)
        if modified != created and version_key(modified) < version_key(created):
            return False
        single, many = self._shape(tuple(obj))
        for name in single:
            value = obj[name]
            if value.__class__ is not str or (value not in known and not _is_id(value)):
                return False
            known.add(value)
        for name in many:
            values = obj[name]
            if values.__class__ is not list:
                return False
            for value in values:
                if value.__class__ is not str or (value not in known and not _is_id(value)):
                    return False
                known.add(value)
        if kind == "relationship":
            return "relationship_type" in obj and "source_ref" in obj and "target_ref" in obj
        if kind == "language-content":
            return "object_ref" in obj and obj.get("contents").__class__ is dict
        return True


# --- the objects of one import ----------------------------------------------------------------


@dataclass(slots=True)
class Item:
    """One object of the bundle and what became of it."""

    number: int
    obj: dict[str, Any]
    #: Where the object's text starts and ends in the bundle (-1: written again from ``obj``).
    start: int
    end: int
    id: str
    type: str
    #: ``modified`` as written (``created`` for objects that never change, "" for those with neither).
    version: str
    #: ``version`` comparable as time (see :func:`_key`), worked out when needed.
    key: str = ""
    outcome: str = ""
    message: str = ""
    measure_id: int | None = None
    technology_id: int | None = None
    #: Kept in ImportedObject (every object but refused ones and versions held already).
    store: bool = True


@dataclass(slots=True)
class Held:
    """What earlier imports took in of one STIX id."""

    #: The versions held, ``modified`` as written.
    versions: set[str]
    measure_id: int | None = None
    technology_id: int | None = None
    _keys: set[str] | None = None

    def keys(self) -> set[str]:
        """The versions held, comparable as time (worked out only when a version is not held as written)."""
        if self._keys is None:
            self._keys = {version_key(version) for version in self.versions}
        return self._keys

    def newest(self) -> str:
        return max(self.keys(), default="")


def _key(item: Item) -> str:
    if not item.key and item.version:
        item.key = version_key(item.version)
    return item.key


@dataclass
class Change:
    """What this import changes in a measure that exists already (a record of an earlier import)."""

    fields: dict[str, Any] | None = None
    references: list[dict[str, str]] | None = None
    techniques: list[dict[str, str]] = field(default_factory=list)
    threat_ids: set[int] = field(default_factory=set)
    technology_ids: set[int] = field(default_factory=set)
    translations: dict[str, dict[str, str]] = field(default_factory=dict)
    items: list[Item] = field(default_factory=list)


CREATED, UPDATED, UNCHANGED, UNMAPPED, LINKED, FAILED = (
    "created",
    "updated",
    "unchanged",
    "unmapped",
    "linked",
    "failed",
)


def _chunks(items: list[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _held_versions(ids: list[str]) -> dict[str, Held]:
    """What earlier imports took in of these ids (one query on PostgreSQL, chunks of ids on SQLite)."""
    table = ImportedObject._meta.db_table
    columns = "stix_id, modified, measure_id, technology_id"
    rows: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # one text split by the server: a list parameter of 100,000 strings costs ten times as much to send
            # (STIX ids hold no space); bound by the server, so that the text is not quoted into the statement
            import psycopg

            with psycopg.Cursor(connection.connection) as bound, connection.wrap_database_errors:
                bound.execute(
                    f"SELECT {columns} FROM {table} WHERE stix_id = ANY(string_to_array(%s, ' '))",  # noqa: S608
                    [" ".join(ids)],
                )
                rows = bound.fetchall()
        else:
            for chunk in _chunks(sorted(ids)):  # (in index order)
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(f"SELECT {columns} FROM {table} WHERE stix_id IN ({marks})", chunk)  # noqa: S608
                rows += cursor.fetchall()
    # (the versions of an object that became a record all name that record: a deleted one is set to NULL)
    held: dict[str, Held] = {}
    for stix_id, modified, measure_id, technology_id in rows:
        entry = held.get(stix_id)
        if entry is None:
            held[stix_id] = Held({modified}, measure_id, technology_id)
            continue
        entry.versions.add(modified)
        if measure_id is not None:
            entry.measure_id = measure_id
        if technology_id is not None:
            entry.technology_id = technology_id
    return held


def _tlp(obj: dict[str, Any]) -> str:
    """The narrowest TLP marking of the object (TLP:CLEAR without one)."""
    refs = obj.get("object_marking_refs")
    if not refs:
        return TLP.CLEAR
    if len(refs) == 1:
        return TLP_MARKINGS.get(refs[0], TLP.CLEAR)
    found = [TLP_MARKINGS[ref] for ref in refs if ref in TLP_MARKINGS]
    return max(found, key=_NARROWNESS.index) if found else TLP.CLEAR


def platform_language(tag: Any) -> str | None:
    """The platform's language for a language tag (``zh`` and ``zh-Hans`` → ``zh-hans``), or None."""
    if not isinstance(tag, str) or not tag:
        return None
    return _platform_language(tag)


@functools.lru_cache(maxsize=256)
def _platform_language(tag: str) -> str | None:
    """(a few tags recur over thousands of objects: worked out once each)"""
    parts = tag.lower().replace("_", "-").split("-")
    if parts[0] == "zh" and any(part in ("hant", "tw", "hk", "mo") for part in parts[1:]):
        return None  # traditional characters: not the platform's Chinese
    return _PLATFORM_LANGUAGES.get(parts[0])


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"


def first_sentences(text: str, limit: int = 1000) -> str:
    """A summary: the first sentence, with the second when the first is short, within ``limit``."""
    paragraph = text.strip().split("\n\n")[0].strip()
    sentences = _SENTENCE_END.split(paragraph, maxsplit=2)
    summary = sentences[0]
    if len(summary) < 150 and len(sentences) > 1 and len(summary) + 1 + len(sentences[1]) <= limit:
        summary += " " + sentences[1]
    return _cut(summary, limit)


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _split_ours(description: str) -> tuple[str, str]:
    """Our own export writes a measure's summary and description as two parts of one text."""
    summary, _sep, rest = description.partition("\n\n")
    if len(summary) > 1000:
        return first_sentences(description), description
    return summary.strip(), rest.strip()


def _texts(name: str, description: str, ours: bool) -> tuple[str, str]:
    """(summary, description) of a measure or a translation."""
    if ours:
        summary, rest = _split_ours(description)
    else:
        summary, rest = first_sentences(description), description
    return summary or _cut(name, 1000), rest


def _url(value: Any) -> str:
    if not isinstance(value, str) or len(value) > 200:
        return ""
    try:
        _valid_url(value)
    except ValidationError:
        return ""
    return value


@dataclass
class Catalogue:
    """What the mapping needs to know of this platform, read once per import."""

    pillars: dict[str, int]
    threats: dict[str, int]  # STIX id of a threat's attack-pattern → threat id
    technologies: dict[str, int]  # STIX id of a technology's course-of-action → technology id
    technology_slugs: set[str]
    reference_kinds: dict[str, str]  # a reference kind's label, in any language → the kind

    @classmethod
    def load(cls) -> Catalogue:
        kinds: dict[str, str] = {}
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                kinds |= {str(label): value for value, label in ReferenceKind.choices}
        technologies = dict(Technology.objects.values_list("slug", "pk"))
        return cls(
            pillars=dict(Pillar.objects.values_list("slug", "pk")),
            threats={
                stix.stix_id("attack-pattern", f"threat:{slug}"): pk
                for slug, pk in Threat.objects.values_list("slug", "pk")
            },
            technologies={stix.stix_id("course-of-action", f"technology:{s}"): pk for s, pk in technologies.items()},
            technology_slugs=set(technologies),
            reference_kinds=kinds,
        )


class _Unmappable(Exception):
    """One course-of-action cannot become a record (the message says why); the rest of the bundle goes on."""


def _platform_reference(obj: dict[str, Any]) -> str:
    """The ``external_id`` of the object's ``Clearinghouse 174`` reference ("measure-12", "technology-ceir")."""
    for reference in obj.get("external_references") or ():
        if isinstance(reference, dict) and reference.get("source_name") == stix.PLATFORM_NAME:
            return str(reference.get("external_id") or "")
    return ""


def _name_and_language(obj: dict[str, Any]) -> tuple[str, str]:
    """A course-of-action's name and its language as the platform's code. Raises :class:`_Unmappable`."""
    name = _text(obj.get("name"))
    if not name:
        raise _Unmappable(_("a course-of-action needs a name"))
    language = platform_language(obj.get("lang") or "en")
    if language is None:
        raise _Unmappable(
            _("its language “%(lang)s” is not one of the platform's (ar, en, es, fr, ru, zh)")
            % {"lang": str(obj.get("lang"))[:20]}
        )
    return name, language


def measure_content(obj: dict[str, Any], catalogue: Catalogue) -> tuple[dict[str, Any], list[dict[str, str]], bool]:
    """A course-of-action as a measure's fields and references, and whether it is one of ours (carries this
    platform's extension). Raises :class:`_Unmappable`."""
    extension = (obj.get("extensions") or {}).get(stix.EXTENSION)
    ours = extension is not None
    name, language = _name_and_language(obj)
    summary, description = _texts(name, _text(obj.get("description")), ours)
    fields: dict[str, Any] = {
        "title": _cut(name, 300),
        "summary": summary,
        "description": description,
        "language": language,
        "tlp": _tlp(obj),
        "pillar_id": catalogue.pillars.get(DEFAULT_PILLAR) or min(catalogue.pillars.values()),
        "status": DEFAULT_STATUS,
    }
    references = []
    if ours:
        if not isinstance(extension, dict):
            raise _Unmappable(_("its Clearinghouse 174 extension is not an object"))
        fields |= _extension_fields(extension, catalogue)
        for reference in obj.get("external_references") or ():
            if not isinstance(reference, dict) or reference.get("source_name") == stix.PLATFORM_NAME:
                continue
            title = _text(reference.get("description")) or _text(reference.get("source_name"))
            if title:
                kind = catalogue.reference_kinds.get(str(reference.get("source_name")), ReferenceKind.URL)
                references.append({"kind": kind, "title": _cut(title, 300), "url": _url(reference.get("url"))})
    else:
        for reference in obj.get("external_references") or ():
            if isinstance(reference, dict):
                references += _external_reference(reference)
    return fields, references, ours


def _external_reference(reference: dict[str, Any]) -> list[dict[str, str]]:
    source, external_id = _text(reference.get("source_name")), _text(reference.get("external_id"))
    title = f"{source} {external_id}".strip() if external_id else _text(reference.get("description")) or source
    if not title:
        return []
    url = _url(reference.get("url"))
    if title.upper().startswith("ITU-T"):
        kind = ReferenceKind.ITU_T
    else:
        kind = ReferenceKind.URL if url else ReferenceKind.STANDARD
    return [{"kind": kind, "title": _cut(title, 300), "url": url}]


def _extension_fields(extension: dict[str, Any], catalogue: Catalogue) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    pillar = extension.get("pillar", DEFAULT_PILLAR)
    if pillar not in catalogue.pillars:
        raise _Unmappable(
            _("pillar “%(pillar)s” is not a pillar of this platform (%(pillars)s)")
            % {"pillar": str(pillar)[:40], "pillars": ", ".join(sorted(catalogue.pillars))}
        )
    fields["pillar_id"] = catalogue.pillars[pillar]
    status = extension.get("status", DEFAULT_STATUS)
    if status not in _STATUSES:
        raise _Unmappable(
            _("status “%(status)s” is not one of %(choices)s")
            % {"status": str(status)[:40], "choices": ", ".join(MeasureStatus.values)}
        )
    fields["status"] = status
    year = extension.get("since_year")
    if year is not None and not (isinstance(year, int) and not isinstance(year, bool) and 1980 <= year <= 2100):
        raise _Unmappable(_("since_year must be a year from 1980 to 2100"))
    fields["since_year"] = year
    cost = extension.get("cost_range", "")
    if cost not in _COST_RANGES:
        raise _Unmappable(
            _("cost_range “%(cost)s” is not one of %(choices)s")
            % {"cost": str(cost)[:40], "choices": ", ".join(CostRange.values)}
        )
    fields["cost_range"] = cost
    for name in ("evidence", "prerequisites", "evidence_source"):
        value = extension.get(name, "")
        if not isinstance(value, str):
            raise _Unmappable(_("%(property)s is not text") % {"property": name})
        fields[name] = value
    if len(fields["evidence_source"]) > 300:
        raise _Unmappable(_("evidence_source is longer than 300 characters"))
    fields["is_illustrative"] = extension.get("is_illustrative") is True
    return fields


def technology_content(obj: dict[str, Any], slug: str) -> dict[str, Any]:
    name, language = _name_and_language(obj)
    if not re.fullmatch(r"[-a-zA-Z0-9_]{1,80}", slug):
        raise _Unmappable(_("“%(slug)s” is not a technology's short name") % {"slug": slug[:90]})
    description = _text(obj.get("description"))
    return {
        "name": _cut(name, 200),
        "slug": slug,
        "description": "" if description == name else description,
        "language": language,
        "tlp": _tlp(obj),
    }


def technique_reference(obj: dict[str, Any]) -> dict[str, str]:
    """A reference to an attack-pattern: "T0800 Activate Firmware Update Mode (MITRE ATT&CK)"."""
    name = _text(obj.get("name")) or obj["id"]
    for reference in obj.get("external_references") or ():
        if not isinstance(reference, dict) or not reference.get("external_id"):
            continue
        source = _text(reference.get("source_name"))
        label = "MITRE ATT&CK" if source.startswith("mitre-") else source
        title = f"{_text(reference.get('external_id'))} {name} ({label})"
        return {"title": _cut(title, 300), "url": _url(reference.get("url"))}
    return {"title": _cut(f"{name} (STIX attack-pattern)", 300), "url": ""}


# --- the import -----------------------------------------------------------------------------------


class _Messages:
    """The messages repeated for many objects, translated once per run (gettext per object costs as much as
    the rest of the object's mapping)."""

    def __init__(self) -> None:
        self.not_a_record = _("not a catalogue record")
        self.twice = _("the same version is in this bundle twice")
        self.imported_before = _("this version was imported before")
        self.older_in_bundle = _("an older version: a newer one is in this bundle")
        self.older_than_held = _("older than the version imported before: kept as history")
        self.relationship_not_mapped = _("a “%(kind)s” relationship is not mapped")
        self.source_not_measure = _("its source is not a measure of the catalogue")
        self.linked = _("linked")
        self.translations = _("translations: %(languages)s")
        self.new_measure = _("new measure in review")
        self.red = _("TLP:RED is never exchanged")


class _Import:
    """One run: the objects, what earlier imports hold, the plan, then the writes."""

    def __init__(self, run: ImportRun, actor: Any, owner: dict[str, Any], progress: Progress | None) -> None:
        self.run, self.actor, self.owner = run, actor, owner
        self.progress = progress
        self.items: list[Item] = []
        self.raw = b""
        #: The bytes received, being compressed, when they can be the archive.
        self.whole: archive.Compression | None = None
        self.archived = False
        self.text = ""
        self.total = 0
        self.catalogue = Catalogue.load()
        self.drafts: dict[str, catalog.ImportedDraft] = {}  # STIX id → a measure to create
        self.draft_items: dict[str, Item] = {}
        self.ours: set[str] = set()  # STIX ids of courses-of-action carrying our extension
        self.changes: dict[int, Change] = {}  # measure id → what changes in it
        self.newest: dict[str, Item] = {}  # STIX id → its newest version in the bundle
        self.repeated: set[str] = set()  # STIX ids in the bundle more than once
        self.held: dict[str, Held] = {}
        #: Attack-patterns of earlier imports, read from their archives.
        self.archives = archive.Reader()
        self.patterns: dict[str, dict[str, Any] | None] = {}
        #: The records created or updated (the first ``MAX_LISTED`` of them), and how many there are.
        self.records: list[dict[str, Any]] = []
        self.record_count = 0
        self.say = _Messages()
        self.writer: bulk.Writer
        self.measures: catalog.MeasureImport

    def release(self) -> None:
        """Lets go of the objects of the bundle once the run is saved."""
        self.items, self.text, self.raw = [], "", b""
        for mapping in (
            self.drafts,
            self.draft_items,
            self.newest,
            self.repeated,
            self.held,
            self.changes,
            self.patterns,
        ):
            mapping.clear()

    def tick(self, fraction: float) -> None:
        if self.progress is not None:
            self.progress(int(self.total * fraction), self.total)

    # -- planning --

    def take(self, objects: Spans) -> None:
        """Check every object; raises :class:`Refused` naming each invalid one."""
        self.total = len(objects)
        failures: list[dict[str, str]] = []
        messages: list[str] = []
        items = self.items
        valid = Checker().valid
        for number, (obj, start, end) in enumerate(objects, start=1):
            if not valid(obj) and (problems := object_problems(obj)):
                identifier: str = obj["id"] if isinstance(obj, dict) and isinstance(obj.get("id"), str) else ""
                version = (obj.get("modified") or obj.get("created") or "") if isinstance(obj, dict) else ""
                message = _("Object %(number)s (%(id)s): %(problems)s") % {
                    "number": number,
                    "id": identifier[:120] or _("no id"),
                    "problems": "; ".join(problems),
                }
                messages.append(message)
                failures.append({"id": identifier[:120], "version": str(version)[:40], "message": message})
                continue
            version = obj.get("modified") or obj.get("created") or ""
            items.append(Item(number, obj, start, end, obj["id"], obj["type"], version))
            if number % 5000 == 0:
                self.tick(0.1 * number / self.total)
        if failures:
            raise Refused(
                _("%(count)s of %(total)s objects are not valid STIX 2.1: nothing was imported. %(first)s")
                % {"count": f"{len(failures):,}", "total": f"{self.total:,}", "first": messages[0]},
                failures=failures,
                total=self.total,
            )

    def plan(self) -> None:
        catalogue = self.catalogue
        referenced: set[str] = set()
        newest_of, repeated = self.newest, self.repeated
        for item in self.items:
            newest = newest_of.get(item.id)
            if newest is None:
                newest_of[item.id] = item
            else:
                repeated.add(item.id)
                if _key(item) > _key(newest):
                    newest_of[item.id] = item
            obj = item.obj
            if item.type == "relationship":
                referenced.update((obj["source_ref"], obj["target_ref"]))
            elif item.type == "language-content":
                referenced.add(obj["object_ref"])
        self.held = _held_versions(list(set(self.newest) | referenced))
        self.tick(0.2)
        seen: set[tuple[str, str]] = set()
        self._plan_technologies(self._technologies(seen))
        # the ORM's work is done: from here on the connection is the writer's, which writes the new measures
        # batch by batch while the rest of the bundle is mapped
        self.measures = catalog.MeasureImport(
            actor=self.actor,
            owner=self.owner,
            comment=self.comment,
            writer=self.writer,
            expected=sum(
                1 for i in self.items if i.type == "course-of-action" and not i.outcome and i.id not in self.held
            ),
        )
        if self.writer.aside and not self.held:  # every object new: the archive first, written while they are mapped
            self._queue_whole_archive()
        updates: list[tuple[Item, int, dict[str, Any], list[dict[str, str]]]] = []
        batch: list[str] = []
        for item in self.items:
            if item.outcome or self._settled(item, seen):
                continue
            if self._withdrawn(item):
                continue
            obj = item.obj
            if item.type != "course-of-action":
                continue
            try:
                fields, references, ours = measure_content(obj, catalogue)
            except _Unmappable as problem:
                self._failed(item, _("not taken in: %(why)s") % {"why": problem})
                continue
            if ours:
                self.ours.add(item.id)
            held = self.held.get(item.id)
            if held is not None and held.measure_id is not None:
                updates.append((item, held.measure_id, fields, references))
                continue
            self.drafts[item.id] = catalog.ImportedDraft(fields=fields, references=references)
            self.draft_items[item.id] = item
            batch.append(item.id)
            if len(batch) == DRAFT_BATCH:
                self._create_drafts(batch)
                batch = []
        self._create_drafts(batch)
        self._create_drafts(self._plan_updates(updates))
        if any(item.store for item in self.items):  # (a bundle imported before keeps no second archive)
            self._queue_whole_archive()
        self.tick(0.25)
        for item in self.items:
            if item.outcome or item.type == "course-of-action":  # courses of action: settled when written
                continue
            if item.type == "relationship":
                self._relationship(item)
            elif item.type == "language-content":
                self._translation(item)
            else:
                self._unmapped(item, self.say.not_a_record)

    def _technologies(self, seen: set[tuple[str, str]]) -> list[tuple[Item, dict[str, Any]]]:
        """The courses-of-action that are technologies of this platform, with their content, settled first: they
        are created or updated through the ORM before the writer takes the connection."""
        technologies = []
        for item in self.items:
            if item.type != "course-of-action":
                continue
            platform_id = _platform_reference(item.obj)
            if not platform_id.startswith("technology-") or self._settled(item, seen):
                continue
            if self._withdrawn(item):
                continue
            try:
                technologies.append((item, technology_content(item.obj, platform_id.removeprefix("technology-"))))
            except _Unmappable as problem:
                self._failed(item, _("not taken in: %(why)s") % {"why": problem})
        return technologies

    def _withdrawn(self, item: Item) -> bool:
        """Revoked, or deprecated (ATT&CK): kept, not mapped."""
        if item.obj.get("revoked") is True:
            self._unmapped(item, _("revoked"))
            return True
        if item.obj.get("x_mitre_deprecated") is True:
            self._unmapped(item, _("deprecated"))
            return True
        return False

    def _settled(self, item: Item, seen: set[tuple[str, str]]) -> bool:
        """Refused, or a version taken in before: nothing more to decide for this object."""
        repeated = item.id in self.repeated  # (most ids are in a bundle once)
        if repeated:
            if (item.id, item.version) in seen:
                self._unchanged(item, self.say.twice, store=False)
                return True
            seen.add((item.id, item.version))
        if _tlp(item.obj) == TLP.RED:
            self._failed(item, self.say.red)
            return True
        held = self.held.get(item.id)
        if held is not None and (item.version in held.versions or _key(item) in held.keys()):
            item.measure_id, item.technology_id = held.measure_id, held.technology_id
            self._unchanged(item, self.say.imported_before, store=False)
            return True
        if repeated and self.newest[item.id] is not item:
            item.measure_id, item.technology_id = (
                held.measure_id if held else None,
                held.technology_id if held else None,
            )
            self._unchanged(item, self.say.older_in_bundle)
            return True
        if held is not None and _key(item) < held.newest():
            item.measure_id, item.technology_id = held.measure_id, held.technology_id
            self._unchanged(item, self.say.older_than_held)
            return True
        return False

    def _plan_technologies(self, technologies: list[tuple[Item, dict[str, Any]]]) -> None:
        for item, content in technologies:
            held = self.held.get(item.id)
            known = self.catalogue.technologies.get(stix.stix_id("course-of-action", f"technology:{content['slug']}"))
            if held is not None and held.technology_id is not None:
                self._update_technology(item, held.technology_id, content)
            elif content["slug"] in self.catalogue.technology_slugs:
                # linked to by the bundle's measures, but not this import's to change: no record kept for it
                self._unchanged(item, _("a technology with this short name is in the catalogue already"))
                if known is not None:
                    self.catalogue.technologies[item.id] = known
            else:
                self._create_technology(item, content)

    def _create_technology(self, item: Item, content: dict[str, Any]) -> None:
        try:
            with transaction.atomic():
                technology = catalog.import_technology(
                    actor=self.actor, owner=self.owner, comment=self.comment, **content
                )
        except ValidationError as error:
            self._failed(item, _("not taken in: %(why)s") % {"why": "; ".join(error.messages)})
            return
        item.technology_id = technology.pk
        self.catalogue.technologies[item.id] = technology.pk
        self.catalogue.technology_slugs.add(technology.slug)
        item.outcome, item.message = CREATED, _("new technology in review")
        self._record("technology", technology.pk, technology.name, CREATED, technology.slug)

    def _update_technology(self, item: Item, technology_id: int, content: dict[str, Any]) -> None:
        technology = Technology.objects.filter(pk=technology_id).first()
        if technology is None:
            self._create_technology(item, content)
            return
        item.technology_id = technology_id
        self.catalogue.technologies[item.id] = technology_id
        if not catalog.may_import_for(self.actor, catalog.owner_of(technology)):
            self._failed(item, self._not_ours_message())
            return
        content.pop("slug")
        try:
            with transaction.atomic():
                changed = catalog.update_imported_technology(
                    technology, actor=self.actor, comment=self.comment, **content
                )
        except ValidationError as error:
            self._failed(item, _("not taken in: %(why)s") % {"why": "; ".join(error.messages)})
            return
        if changed:
            item.outcome, item.message = UPDATED, _("technology updated, back in review")
            self._record("technology", technology_id, content["name"], UPDATED, technology.slug)
        else:
            self._unchanged(item, _("a newer version with the same content"))

    def _plan_updates(self, updates: list[tuple[Item, int, dict[str, Any], list[dict[str, str]]]]) -> list[str]:
        """Plans the changes to measures of earlier imports; returns the STIX ids of those that became new drafts
        (their measure deleted since)."""
        owners = self._owners([measure_id for _item, measure_id, _f, _r in updates])
        new = []
        for item, measure_id, fields, references in updates:
            if measure_id not in owners:  # deleted since: the newer version is a new draft
                self.drafts[item.id] = catalog.ImportedDraft(fields=fields, references=references)
                self.draft_items[item.id] = item
                new.append(item.id)
                continue
            item.measure_id = measure_id
            if not catalog.may_import_for(self.actor, owners[measure_id]):
                self._failed(item, self._not_ours_message())
                continue
            change = self.changes.setdefault(measure_id, Change())
            change.fields, change.references = fields, references
            change.items.append(item)
        return new

    def _owners(self, measure_ids: list[int]) -> dict[int, dict[str, Any]]:
        owners = {}
        for chunk in _chunks(measure_ids):
            for pk, state, organization in Measure.objects.filter(pk__in=chunk).values_list(
                "pk", "owner_state_id", "owner_organization_id"
            ):
                owners[pk] = {"owner_state_id": state} if state is not None else {"owner_organization_id": organization}
        return owners

    @staticmethod
    def _not_ours_message() -> str:
        return _("it would change a record of another owner: only an import for that owner, or by a curator, may")

    def _measure_of(self, stix_id: str) -> catalog.ImportedDraft | int | None:
        """The draft this import makes of a course-of-action, or the id of the measure it became before."""
        if stix_id in self.drafts:
            return self.drafts[stix_id]
        newest = self.newest.get(stix_id)
        if newest is not None and newest.outcome == FAILED:
            return None
        held = self.held.get(stix_id)
        if held is not None and held.measure_id is not None:
            return held.measure_id
        return None

    def _change(self, measure_id: int, item: Item) -> Change | None:
        change = self.changes.get(measure_id)
        if change is None:
            owners = self._owners([measure_id])
            if measure_id not in owners:
                return None
            if not catalog.may_import_for(self.actor, owners[measure_id]):
                self._failed(item, self._not_ours_message())
                return None
            change = self.changes[measure_id] = Change()
        change.items.append(item)
        return change

    def _relationship(self, item: Item) -> None:
        obj = item.obj
        kind, source, target = obj["relationship_type"], obj["source_ref"], obj["target_ref"]
        technologies = self.catalogue.technologies
        if kind == "related-to" and source in technologies and target not in technologies:
            source, target = target, source  # technology → measure: the same link
        if kind not in ("mitigates", "related-to"):
            self._unmapped(item, self.say.relationship_not_mapped % {"kind": str(kind)[:40]})
            return
        measure = self._measure_of(source)
        if measure is None:
            self._unmapped(item, self.say.source_not_measure)
            return
        threat_id = technology_id = None
        technique = None
        if kind == "mitigates" and target in self.catalogue.threats:
            threat_id = self.catalogue.threats[target]
        elif kind == "mitigates" and target.startswith("attack-pattern--"):
            pattern = self._attack_pattern(target)
            if pattern is None:
                self._unmapped(item, _("the attack-pattern it mitigates is in neither this bundle nor an earlier one"))
                return
            technique = technique_reference(pattern)
        elif kind == "related-to" and target in self.catalogue.technologies:
            technology_id = self.catalogue.technologies[target]
        else:
            self._unmapped(item, _("its target is neither a threat, a technique nor a technology"))
            return
        if isinstance(measure, int):
            change = self._change(measure, item)
            if change is None:
                if not item.outcome:
                    self._unmapped(item, self.say.source_not_measure)
                return
            target_set: Any = change
        else:
            target_set = measure
        if threat_id is not None:
            target_set.threat_ids.add(threat_id)
        if technology_id is not None:
            target_set.technology_ids.add(technology_id)
        if technique is not None:
            if isinstance(target_set, Change):
                target_set.techniques.append(technique)
            elif all(r["title"] != technique["title"] for r in target_set.references):
                target_set.references.append({"kind": ReferenceKind.TECHNIQUE, **technique})
        item.outcome, item.message = LINKED, self.say.linked

    def _attack_pattern(self, stix_id: str) -> dict[str, Any] | None:
        newest = self.newest.get(stix_id)
        if newest is not None:
            return newest.obj
        held = self.held.get(stix_id)
        if held is None or not stix_id.startswith("attack-pattern--"):
            return None
        if stix_id not in self.patterns:
            where = (
                ImportedObject.objects.filter(stix_id=stix_id).order_by("-pk").values_list("run_id", "offset", "length")
            )
            found = where.first()
            try:
                pattern = json.loads(self.archives.text(*found)) if found else None
            except ValueError:
                pattern = None
            self.patterns[stix_id] = pattern if isinstance(pattern, dict) else None
        return self.patterns[stix_id]

    def _translation(self, item: Item) -> None:
        obj = item.obj
        target = obj["object_ref"]
        measure = self._measure_of(target)
        if measure is None:
            self._unmapped(item, _("it translates no measure of the catalogue"))
            return
        ours = target in self.ours or obj.get("created_by_ref") == stix.PLATFORM_IDENTITY
        original = measure.fields["language"] if isinstance(measure, catalog.ImportedDraft) else None
        texts: dict[str, dict[str, str]] = {}
        skipped = []
        for tag, content in obj["contents"].items():
            language = platform_language(tag)
            name = _text(content.get("name")) if isinstance(content, dict) else ""
            if language is None or language == original or not name:
                skipped.append(str(tag)[:20])
                continue
            summary, description = _texts(name, _text(content.get("description")), ours)
            texts[language] = {"title": _cut(name, 300), "summary": _cut(summary, 1000), "description": description}
        if not texts:
            self._unmapped(item, _("no text in a language of the platform"))
            return
        if isinstance(measure, int):
            change = self._change(measure, item)
            if change is None:
                if not item.outcome:
                    self._unmapped(item, _("it translates no measure of the catalogue"))
                return
            change.translations |= texts
        else:
            measure.translations |= texts
        item.outcome = LINKED
        item.message = self.say.translations % {"languages": ", ".join(sorted(texts))}
        if skipped:
            item.message += " " + _("(not taken: %(tags)s)") % {"tags": ", ".join(skipped)}

    # -- outcomes --

    def _unchanged(self, item: Item, message: str, store: bool = True) -> None:
        item.outcome, item.message, item.store = UNCHANGED, message, store

    def _unmapped(self, item: Item, reason: str) -> None:
        item.outcome, item.message = UNMAPPED, reason

    def _failed(self, item: Item, message: str) -> None:
        item.outcome, item.message, item.store = FAILED, message, False

    def _record(self, kind: str, pk: int, title: str, action: str, slug: str = "") -> None:
        self.record_count += 1
        if len(self.records) < MAX_LISTED:
            self.records.append({"kind": kind, "pk": pk, "title": title, "action": action, "slug": slug})

    @property
    def comment(self) -> str:
        return _("STIX import %(id)s") % {"id": self.run.pk}

    # -- writing --

    def write(self) -> None:
        if self.changes:
            self.writer.wait()  # updates go through the ORM (savepoints and all): the connection is this thread's again
        for measure_id, change in self.changes.items():
            self._apply(measure_id, change)
        self.tick(0.35)
        kept = [item for item in self.items if item.store]
        compression = None
        if self.archived:  # the bytes received
            spans = [(item.start, item.end - item.start) for item in kept]
        else:  # the kept objects' texts one a line, compressed on another core while the rest is written
            data, spans = archive.pack([self.body(item) for item in kept])
            compression = archive.Compression(data) if kept else None
        self.measures.complete()
        self.tick(0.5)
        self._store_objects(kept, spans)
        if compression is not None:
            self._queue_archive(compression)
        self.tick(0.6)
        self.writer.wait()
        catalog.measures_imported(self.measures.ids, actor=self.actor, source=self.run, comment=self.comment)
        self.tick(1.0)

    def _queue_archive(self, compression: archive.Compression) -> None:
        """Queues the archive's row, written once compressed (on the writing thread, which waits for it)."""
        run = bulk.db_value(ImportArchive, "run", self.run.pk)
        self.writer.insert(
            ImportArchive, ("run_id", "data", "size"), lambda: [(run, compression.result(), compression.size)]
        )
        self.archived = True

    def start_archive(self) -> None:
        """Starts compressing the bytes received, so that they are ready when the rows are written: they are the
        archive when every character is a byte (offsets in the text are offsets in the bytes) and no object is
        TLP:RED (never kept, not even as received). Objects not taken in for other reasons (a version held
        already, one that cannot be mapped) stay in it, where no row points."""
        plain = self.items and self.items[0].start >= 0 and len(self.text) == len(self.raw)
        if plain and not any(marking in self.text for marking in RED_MARKINGS):
            self.whole = archive.Compression(self.raw)

    def _queue_whole_archive(self) -> None:
        if self.whole is not None and not self.archived:
            self._queue_archive(self.whole)

    def _apply(self, measure_id: int, change: Change) -> None:
        measure = Measure.objects.get(pk=measure_id)
        try:
            with transaction.atomic():
                changed = catalog.update_imported_measure(
                    measure,
                    actor=self.actor,
                    fields=change.fields,
                    references=change.references,
                    techniques=change.techniques,
                    threat_ids=change.threat_ids,
                    technology_ids=change.technology_ids,
                    translations=change.translations,
                    comment=self.comment,
                )
        except ValidationError as error:
            for item in change.items:
                self._failed(item, _("not taken in: %(why)s") % {"why": "; ".join(error.messages)})
            return
        for item in change.items:
            if item.type == "course-of-action":
                if changed:
                    item.outcome, item.message = UPDATED, _("measure updated, back in review")
                else:
                    self._unchanged(item, _("a newer version with the same content"))
        if changed:
            self._record("measure", measure_id, change.fields["title"] if change.fields else measure.title, UPDATED)

    def _create_drafts(self, stix_ids: list[str]) -> None:
        """Gives these new measures their ids and queues them on the writer."""
        ids = self.measures.add([self.drafts[stix_id] for stix_id in stix_ids])
        for stix_id, pk in zip(stix_ids, ids, strict=True):
            item = self.draft_items[stix_id]
            item.measure_id = pk
            item.outcome, item.message = CREATED, self.say.new_measure
            self._record("measure", pk, self.drafts[stix_id].fields["title"], CREATED)

    def body(self, item: Item) -> str:
        if item.start < 0:
            return json.dumps(item.obj, ensure_ascii=False)
        return self.text[item.start : item.end]

    def _store_objects(self, kept: list[Item], spans: list[tuple[int, int]]) -> None:
        run = bulk.db_value(ImportedObject, "run", self.run.pk)
        rows = [
            (item.id, item.version, item.type, run, item.measure_id, item.technology_id, offset, length)
            for item, (offset, length) in zip(kept, spans, strict=True)
        ]
        rows.sort()  # in the order of the (id, modified) index: its pages are written once, not again and again
        columns = ("stix_id", "modified", "type", "run_id", "measure_id", "technology_id", "offset", "length")
        self.writer.insert(ImportedObject, columns, rows)

    # -- the report --

    def finish(self) -> None:
        run = self.run
        outcomes = Counter(item.outcome for item in self.items)
        run.total_count = self.total
        run.failure_count = outcomes[FAILED]
        run.success_count = self.total - run.failure_count
        run.pending_count = 0
        run.created_count = outcomes[CREATED]
        run.updated_count = outcomes[UPDATED]
        run.unchanged_count = outcomes[UNCHANGED]
        run.unmapped_count = outcomes[UNMAPPED]
        successes = (i for i in self.items if i.outcome != FAILED)
        failures = (i for i in self.items if i.outcome == FAILED)
        unmapped = [i for i in self.items if i.outcome == UNMAPPED]
        run.report = {
            "successes": _listed(successes, _status),
            "failures": _listed(failures, _status),
            "unmapped": _listed(iter(unmapped), _unmapped_entry),
            "unmapped_by_type": dict(Counter(i.type for i in unmapped).most_common()),
            "errors": [],
            "linked": outcomes[LINKED],
            "records": self.records,
            "omitted": {
                "successes": max(0, run.success_count - MAX_LISTED),
                "failures": max(0, run.failure_count - MAX_LISTED),
                "unmapped": max(0, len(unmapped) - MAX_LISTED),
                "records": self.record_count - len(self.records),
            },
        }
        run.status = ImportStatus.COMPLETE
        run.finished_at = timezone.now()
        run.save()
        audit.record(
            self.actor,
            "exchange.imported",
            run,
            changes={
                "origin": run.origin,
                "objects": run.total_count,
                "created": run.created_count,
                "updated": run.updated_count,
                "unchanged": run.unchanged_count,
                "unmapped": run.unmapped_count,
                "refused": run.failure_count,
            },
        )


def _status(item: Item) -> dict[str, str]:
    return {"id": item.id, "version": item.version, "message": item.message}


def _unmapped_entry(item: Item) -> dict[str, str]:
    return {"id": item.id, "type": item.type, "reason": item.message}


def _listed(items: Iterator[Item], entry: Callable[[Item], dict[str, str]]) -> list[dict[str, str]]:
    listed: list[dict[str, str]] = []
    for item in items:
        if len(listed) == MAX_LISTED:
            break
        listed.append(entry(item))
    return listed


@contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Reading and mapping a bundle allocates millions of objects and frees none until the end: the cycle
    collector, started by allocations, would walk them all again and again (a third of the time)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def import_bundle(
    raw: bytes,
    *,
    actor: Any,
    source: str,
    origin: str = "",
    owner: dict[str, Any] | None = None,
    progress: Progress | None = None,
) -> ImportRun:
    """Take in a STIX 2.1 bundle or TAXII 2.1 envelope as drafts in review; returns the saved run and its
    report (status ``complete``, or ``failed`` with nothing else stored)."""
    owner = catalog.import_owner(actor, owner)
    run = ImportRun(
        source=ImportSource(source),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        origin=origin[:500],
        **owner,
    )
    job = _Import(run, actor, owner, progress)
    try:
        with _without_cycle_collection():
            job.raw = raw
            job.text, objects = read_bundle(raw)
            job.take(objects)
            job.start_archive()
            with transaction.atomic(), bulk.large_writes():
                run.save()
                # rows are written on another thread while the next ones are worked out here
                with bulk.Writer() as job.writer:
                    job.plan()
                    job.write()
                job.finish()
            # freed while the cycle collector is off: resumed, it would walk these millions of objects once more
            del objects
            job.release()
    except Refused as refused:
        return _failed_run(run, refused, job)
    except (DatabaseError, ValidationError, PermissionDenied) as error:
        log.exception("STIX import %s stopped", run.pk)
        return _failed_run(run, Refused(_("The import stopped: %(error)s") % {"error": error}, total=job.total), job)
    return run


def _failed_run(run: ImportRun, refused: Refused, job: _Import) -> ImportRun:
    run.status = ImportStatus.FAILED
    run.finished_at = timezone.now()
    run.total_count = refused.total
    run.success_count = run.created_count = run.updated_count = run.unchanged_count = run.unmapped_count = 0
    run.pending_count = 0
    run.failure_count = refused.total
    failures = refused.failures[:MAX_LISTED]
    bad = {f["id"] for f in refused.failures}
    for item in job.items:
        if len(failures) >= MAX_LISTED:
            break
        if item.id not in bad:
            failures.append(
                {
                    "id": item.id,
                    "version": item.version,
                    "message": _("not taken in: other objects of the bundle are invalid"),
                }
            )
    errors = [refused.message] + [f["message"] for f in refused.failures[1:MAX_ERRORS]]
    run.report = {
        "successes": [],
        "failures": failures,
        "unmapped": [],
        "unmapped_by_type": {},
        "errors": errors,
        "linked": 0,
        "records": [],
        "omitted": {"failures": max(0, refused.total - len(failures))},
    }
    run.save(force_insert=True)  # the run saved in the rolled-back transaction is gone with it
    return run
