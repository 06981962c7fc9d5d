"""XLIFF 1.2 files, written for translators and read back strictly: no database here, only the format.

The OASIS schema of XLIFF 1.2 (xliff-core-1.2-strict.xsd) is not shipped by any package installed here
(translate-toolkit reads and writes XLIFF without it), so :func:`read` checks the document by hand against
the parts of the specification this platform writes and reads, and names every problem with its line and,
where there is one, its unit's id. A file with one problem is refused whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext as _
from lxml import etree

NAMESPACE = "urn:oasis:names:tc:xliff:document:1.2"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
TOOL_ID = "clearinghouse-174"
TOOL_NAME = "Clearinghouse 174"

#: Every element of XLIFF 1.2; another name in its namespace is an error.
ELEMENTS = frozenset(
    "xliff file header skl internal-file external-file glossary reference phase-group phase tool count-group "
    "count prop-group prop note body group trans-unit source seg-source target context-group context alt-trans "
    "bin-unit bin-source bin-target g x bx ex ph bpt ept it sub mrk".split()
)
#: Inline elements that stand for markup of the original: this platform exports plain text, so a target that
#: holds one was not made from its export.
FOREIGN_INLINE = frozenset("g x bx ex ph bpt ept it sub".split())
#: ``state`` values of a target that is not yet a translation to publish.
NOT_TRANSLATED_STATES = frozenset(
    "new needs-translation needs-review-translation needs-adaptation needs-l10n needs-review-adaptation".split()
)
#: The language codes of this platform, as BCP 47 writes them in XLIFF.
BCP47 = {"ar": "ar", "en": "en", "es": "es", "fr": "fr", "ru": "ru", "zh-hans": "zh-Hans"}


def q(name: str) -> str:
    return f"{{{NAMESPACE}}}{name}"


def platform_language(tag: str) -> str | None:
    """One of the six language codes for a BCP 47 tag (``fr-FR`` → ``fr``, ``zh-CN`` → ``zh-hans``), or None."""
    parts = tag.strip().replace("_", "-").lower().split("-")
    if not parts or not parts[0]:
        return None
    if parts[0] == "zh":
        return None if {"hant", "tw", "hk", "mo"} & set(parts[1:]) else "zh-hans"
    return parts[0] if parts[0] in BCP47 else None


# -- writing -----------------------------------------------------------------------------------------------


@dataclass
class Unit:
    """One text to translate: ``id`` names the record and the field (``measure/12/summary``)."""

    id: str
    source: str
    memory: str = ""  # an identical text's translation elsewhere on the platform
    memory_origin: str = ""
    previous: str = ""  # the outdated translation of this field, for the translator to compare
    note: str = ""


@dataclass
class File:
    """One record: its address on the platform (``original``), its language and the units to translate."""

    original: str
    source_language: str
    note: str = ""
    units: list[Unit] = field(default_factory=list)


def write(files: list[File], *, target_language: str, now: datetime) -> bytes:
    """The XLIFF 1.2 document of ``files``, UTF-8, one ``<file>`` per record."""
    root = etree.Element(q("xliff"), nsmap={None: NAMESPACE}, version="1.2")
    target = BCP47[target_language]
    for record in files:
        file_element = etree.SubElement(
            root,
            q("file"),
            {
                "original": record.original,
                "source-language": BCP47[record.source_language],
                "target-language": target,
                "datatype": "plaintext",
                "date": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "product-name": TOOL_NAME,
            },
        )
        header = etree.SubElement(file_element, q("header"))
        etree.SubElement(header, q("tool"), {"tool-id": TOOL_ID, "tool-name": TOOL_NAME})
        if record.note:
            etree.SubElement(header, q("note")).text = record.note
        body = etree.SubElement(file_element, q("body"))
        for unit in record.units:
            element = etree.SubElement(
                body, q("trans-unit"), {"id": unit.id, "resname": unit.id.rsplit("/", 1)[-1], XML_SPACE: "preserve"}
            )
            source = etree.SubElement(element, q("source"), {XML_LANG: BCP47[record.source_language]})
            source.text = unit.source
            if unit.memory:
                attributes = {XML_LANG: target, "state": "needs-review-translation", "state-qualifier": "leveraged-tm"}
                etree.SubElement(element, q("target"), attributes).text = unit.memory
            if unit.note:
                etree.SubElement(element, q("note"), {"from": TOOL_ID}).text = unit.note
            if unit.memory:
                alt = etree.SubElement(
                    element, q("alt-trans"), {"match-quality": "100", "origin": unit.memory_origin or "memory"}
                )
                etree.SubElement(alt, q("target"), {XML_LANG: target}).text = unit.memory
            if unit.previous:
                alt = etree.SubElement(element, q("alt-trans"), {"origin": "previous-translation"})
                etree.SubElement(alt, q("target"), {XML_LANG: target}).text = unit.previous
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# -- reading -----------------------------------------------------------------------------------------------


@dataclass
class ReadUnit:
    id: str
    line: int
    source: str
    target: str | None
    state: str
    source_language: str
    target_language: str
    translator: str
    original: str


@dataclass
class Document:
    units: list[ReadUnit]
    target_languages: set[str]


class InvalidXliff(Exception):
    """The file is not an XLIFF 1.2 document this platform can read: ``problems`` says why, one per line."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


def _where(element: etree._Element, unit_id: str = "") -> str:
    line = _("line %(line)s") % {"line": element.sourceline}
    return f"{line}, {_('unit')} {unit_id}" if unit_id else line


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _text(element: etree._Element, unit_id: str, problems: list[str]) -> str:
    """A source's or target's text: ``mrk`` (segments, comments) is read through; other inline markup refused."""
    for inner in element.iter():
        if inner is element or not isinstance(inner.tag, str):
            continue
        name = _local(inner)
        if etree.QName(inner).namespace != NAMESPACE or name in FOREIGN_INLINE:
            problems.append(
                _("%(where)s: <%(element)s> inside <%(parent)s>: this platform exports plain text, without markup")
                % {"where": _where(inner, unit_id), "element": name, "parent": _local(element)}
            )
    return "".join(element.itertext())


def _translators(header: etree._Element | None) -> dict[str, str]:
    """The ``contact-name`` of each phase of a file's header, by phase name; under "" the one a unit without
    ``phase-name`` is credited to: the (last) translation phase's, else the last phase's."""
    named: dict[str, str] = {}
    translation = last = ""
    for phase in header.iter(q("phase")) if header is not None else ():
        name = (phase.get("contact-name") or "").strip()
        if name:
            named[phase.get("phase-name", "")] = last = name
            if (phase.get("process-name") or "").strip().lower() == "translation":
                translation = name
    named[""] = translation or last
    return named


def read(data: bytes) -> Document:
    """The units of an XLIFF 1.2 document; raises :class:`InvalidXliff` naming every problem found."""
    problems: list[str] = []
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)  # noqa: S320 (no DTD, no entities, no network: checked below)
    except etree.XMLSyntaxError as error:
        line = error.lineno or 0
        message = _("line %(line)s: not well-formed XML: %(error)s") % {"line": line, "error": error.msg}
        raise InvalidXliff([message]) from None
    if root.getroottree().docinfo.doctype:
        raise InvalidXliff([_("line 1: a DOCTYPE is not allowed in an XLIFF file")])
    if root.tag != q("xliff"):
        raise InvalidXliff(
            [_("line %(line)s: the root element is not <xliff> of XLIFF 1.2 (%(ns)s)") % {"line": 1, "ns": NAMESPACE}]
        )
    if root.get("version") != "1.2":
        problems.append(_('line %(line)s: <xliff> must say version="1.2"') % {"line": root.sourceline})
    for element in root.iter():
        if isinstance(element.tag, str) and etree.QName(element).namespace == NAMESPACE:
            if _local(element) not in ELEMENTS:
                problems.append(
                    _("%(where)s: <%(element)s> is not an XLIFF 1.2 element")
                    % {"where": _where(element), "element": _local(element)}
                )
    units: list[ReadUnit] = []
    seen: dict[str, int] = {}
    target_languages: set[str] = set()
    files = [child for child in root if isinstance(child.tag, str)]
    if not files:
        problems.append(_("line %(line)s: the document has no <file>") % {"line": root.sourceline})
    for file_element in files:
        if file_element.tag != q("file"):
            problems.append(
                _("%(where)s: <%(element)s> where a <file> should be")
                % {"where": _where(file_element), "element": _local(file_element)}
            )
            continue
        attributes = {}
        for name in ("original", "source-language", "target-language", "datatype"):
            value = (file_element.get(name) or "").strip()
            if not value:
                problems.append(
                    _("%(where)s: <file> has no %(attribute)s") % {"where": _where(file_element), "attribute": name}
                )
            attributes[name] = value
        source_language = platform_language(attributes["source-language"]) or ""
        target_language = platform_language(attributes["target-language"]) or ""
        if attributes["target-language"] and not target_language:
            problems.append(
                _("%(where)s: target-language “%(language)s” is not one of the six languages of this platform")
                % {"where": _where(file_element), "language": attributes["target-language"]}
            )
        if target_language:
            target_languages.add(target_language)
        children = [child for child in file_element if isinstance(child.tag, str)]
        header = next((child for child in children if child.tag == q("header")), None)
        bodies = [child for child in children if child.tag == q("body")]
        if len(bodies) != 1:
            problems.append(_("%(where)s: <file> must have one <body>") % {"where": _where(file_element)})
            continue
        translators = _translators(header)
        for element in bodies[0].iter(q("trans-unit"), q("bin-unit")):
            unit_id = (element.get("id") or "").strip()
            if element.tag == q("bin-unit"):
                problems.append(_("%(where)s: binary units are not translated here") % {"where": _where(element)})
                continue
            if not unit_id:
                problems.append(_("%(where)s: <trans-unit> has no id") % {"where": _where(element)})
                continue
            if unit_id in seen:
                problems.append(
                    _("%(where)s: the id is already used on line %(first)s")
                    % {"where": _where(element, unit_id), "first": seen[unit_id]}
                )
                continue
            seen[unit_id] = element.sourceline
            parts = [child for child in element if isinstance(child.tag, str)]
            sources = [child for child in parts if child.tag == q("source")]
            targets = [child for child in parts if child.tag == q("target")]
            if len(sources) != 1 or parts[0] is not sources[0]:
                problems.append(
                    _("%(where)s: a <trans-unit> starts with its one <source>") % {"where": _where(element, unit_id)}
                )
                continue
            if len(targets) > 1:
                problems.append(_("%(where)s: more than one <target>") % {"where": _where(element, unit_id)})
                continue
            if element.get("translate") == "no":
                continue
            source = _text(sources[0], unit_id, problems)
            target = _text(targets[0], unit_id, problems) if targets else None
            state = targets[0].get("state", "") if targets else ""
            phase = (targets[0].get("phase-name") if targets else None) or element.get("phase-name") or ""
            units.append(
                ReadUnit(
                    id=unit_id,
                    line=element.sourceline,
                    source=source,
                    target=target,
                    state=state,
                    source_language=source_language,
                    target_language=target_language,
                    translator=translators.get(phase) or translators.get("", ""),
                    original=attributes["original"],
                )
            )
    if problems:
        raise InvalidXliff(problems)
    return Document(units=units, target_languages=target_languages)
