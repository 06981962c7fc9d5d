"""Golden files of the STIX mapping: a change to what a measure becomes in STIX shows up as a diff here.

Regenerate after a deliberate change with ``UPDATE_GOLDEN=1 pytest clearinghouse/exchange`` and read
the diff before committing it.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from clearinghouse.exchange import stix

GOLDEN = Path(__file__).resolve().parent / "golden"


class Related(list):
    """Stands for a related manager: ``.all()`` gives the items."""

    def all(self):
        return self


def kenya():
    return SimpleNamespace(alpha2="KE", name_en="Kenya")


def sample_measure():
    threat = SimpleNamespace(
        slug="sim-swap-fraud", name_en="SIM swap fraud", parent_id=1, parent=SimpleNamespace(slug="telecom-fraud")
    )
    reference = SimpleNamespace(
        get_kind_display=lambda: "ITU-T Recommendation",
        title="ITU-T X.1250",
        url="https://www.itu.int/rec/T-REC-X.1250",
    )
    translation = SimpleNamespace(
        language="fr",
        title="Contrôles avant l'échange de carte SIM",
        summary="Les opérateurs vérifient l'identité.",
        description="",
        updated_at=datetime(2026, 4, 1, 8, 0, tzinfo=UTC),
    )
    technology = SimpleNamespace(slug="ceir", tlp="clear")
    return SimpleNamespace(
        pk=42,
        title="Checks before a SIM swap",
        summary="Operators verify the subscriber's identity before a SIM swap.",
        description="Operators hold a swap for 24 hours when the identity check fails.",
        language="en",
        tlp="green",
        version=3,
        created_at=datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
        updated_at=datetime(2026, 4, 2, 10, 0, 0, 123000, tzinfo=UTC),
        owner_state_id=1,
        owner_state=kenya(),
        owner_organization_id=None,
        pillar=SimpleNamespace(slug="technical"),
        status="operational",
        since_year=2021,
        evidence="Fraudulent swaps fell by 63 % in the first year.",
        evidence_source="Regulator annual report 2022",
        cost_range="low",
        prerequisites="A subscriber identity register.",
        is_illustrative=True,
        threats=Related([threat]),
        technologies=Related([technology]),
        references=Related([reference]),
        translations=Related([translation]),
    )


def check(name: str, objects: list[Any]) -> None:
    path = GOLDEN / name
    text = json.dumps(objects, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"the STIX mapping changed: see {path}"


def test_a_measure_becomes_the_course_of_action_relationships_and_language_content_of_the_golden_file():
    check("measure.json", list(stix.measure_objects(sample_measure())))


def test_an_owner_and_its_country_become_the_identity_location_and_relationship_of_the_golden_file():
    measure = sample_measure()
    check("owner.json", [stix.owner_identity(measure), stix.country_location(kenya()), stix.located_at(kenya())])


def test_the_tlp_markings_are_the_oasis_tlp_2_0_definitions():
    check(
        "markings.json",
        [stix.marking_definition(level) for level in ("clear", "green", "amber", "amber+strict", "red")],
    )
