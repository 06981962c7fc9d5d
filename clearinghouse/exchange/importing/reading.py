"""Reading: the bytes received become the text of a bundle (or TAXII envelope) and its objects, each with where
its text starts and ends.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, cast

from django.conf import settings
from django.utils.translation import gettext as _

from clearinghouse.exchange import stix

_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_AFTER_OBJECT = re.compile(r"[ \t\n\r]*([,\]])[ \t\n\r]*")
#: ``_skip(text, position).end()``: where the JSON whitespace from ``position`` ends (the pattern always matches).
_skip = cast(Callable[[str, int], "re.Match[str]"], _WHITESPACE.match)


class Refused(Exception):
    """The bundle as a whole cannot be taken in: nothing is stored but the run that says why."""

    def __init__(self, message: str, failures: list[dict[str, str]] | None = None, total: int = 0):
        super().__init__(message)
        self.message = message
        self.failures = failures or []
        self.total = total


class _NotPlain(Exception):
    """The walk over the top level met something :func:`json.loads` should judge (an error, or odd layout)."""


_decoder = json.JSONDecoder()
#: Levels of arrays and objects a bundle's object may nest (STIX itself needs about ten): deeper objects are
#: refused before any stage walks into them, and far deeper text before it is read.
MAX_DEPTH = 100


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


def size_problem(size: int) -> str | None:
    """Why a bundle of ``size`` bytes is refused unread (``STIX_IMPORT_MAX_BYTES``, on every channel), if it is."""
    limit = settings.STIX_IMPORT_MAX_BYTES
    if size <= limit:
        return None
    return _("The bundle is %(size)s bytes; the limit is %(limit)s bytes (STIX_IMPORT_MAX_BYTES).") % {
        "size": f"{size:,}",
        "limit": f"{limit:,}",
    }


def too_deep() -> str:
    return _("The JSON is nested too deeply: more than %(limit)s levels of arrays and objects.") % {"limit": MAX_DEPTH}


def deeper_than(value: Any, limit: int) -> bool:
    """Whether arrays and objects nest more than ``limit`` levels in ``value`` (walked without recursion)."""
    stack = [(value, 1)]
    while stack:
        value, level = stack.pop()
        if level > limit:
            return True
        children = value.values() if isinstance(value, dict) else value
        stack.extend((child, level + 1) for child in children if isinstance(child, dict | list))
    return False


def object_too_deep(obj: Any, text: str, start: int, end: int) -> bool:
    """Whether one object of the bundle nests more than :data:`MAX_DEPTH` levels. Its text is looked at first:
    an object with fewer brackets than that cannot (nearly every one), so only the others are walked."""
    if not isinstance(obj, dict | list):
        return False
    if start >= 0 and text.count("{", start, end) + text.count("[", start, end) <= MAX_DEPTH:
        return False
    return deeper_than(obj, MAX_DEPTH)


def read_bundle(raw: bytes) -> tuple[str, Spans]:
    """The text of a STIX 2.1 bundle or TAXII 2.1 envelope and its objects, each with where its text starts and
    ends (-1 when it is to be written again). Raises :class:`Refused`."""
    problem = size_problem(len(raw))
    if problem:
        raise Refused(problem)
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
    except RecursionError:  # (the standard library's scanner recurses once a level: deeper than Python's stack)
        raise Refused(too_deep()) from None
    except (_NotPlain, ValueError):
        try:
            data = json.loads(text)
        except RecursionError:
            raise Refused(too_deep()) from None
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
