"""Golden files of the TAXII resources: a change to what a client reads shows up as a diff here.

Regenerate after a deliberate change with ``UPDATE_GOLDEN=1 pytest clearinghouse/exchange`` and read
the diff before committing it. Timestamps that change with every run are replaced by ``<timestamp>``.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from clearinghouse.catalog.tests.factories import measure
from clearinghouse.exchange.selectors import collection_id
from clearinghouse.exchange.tests.test_taxii import ROOT, Taxii

GOLDEN = Path(__file__).resolve().parent / "golden"
STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z")


def steady(data: Any) -> Any:
    return json.loads(STAMP.sub("<timestamp>", json.dumps(data)))


def check(name: str, data: Any) -> None:
    path = GOLDEN / f"{name}.json"
    text = json.dumps(steady(data), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name}: run with UPDATE_GOLDEN=1 and read the diff"


@pytest.mark.django_db
def test_discovery_api_root_collections_manifest_and_an_error_match_their_golden_files(personas):
    measure(personas, title="Golden measure", tlp="clear")
    alice = Taxii(personas.alice)
    check("taxii_discovery", alice.get("/taxii2/").data)
    check("taxii_api_root", alice.get(ROOT).data)
    check("taxii_collections_alice", alice.get(f"{ROOT}collections/").data)
    manifest = alice.get(
        f"{ROOT}collections/{collection_id('public')}/manifest/", **{"match[type]": "marking-definition"}
    )
    check("taxii_manifest_markings", manifest.data)
    check("taxii_error_limit", alice.get(f"{ROOT}collections/{collection_id('public')}/objects/", limit="0").data)
