"""Measures for tests, made through the services, in the state a test needs."""

from __future__ import annotations

from typing import Any

from clearinghouse.catalog import services
from clearinghouse.catalog.models import Measure, Pillar, Threat
from clearinghouse.core.visibility import Lifecycle


def measure(
    personas: Any,
    *,
    by: Any = None,
    state: str = Lifecycle.PUBLISHED,
    tlp: str = "clear",
    title: str = "Central equipment identity register",
    summary: str = "Stolen handsets are blocked.",
    threats: tuple[str, ...] = ("device-theft",),
    pillar: str = "technical",
    **fields: Any,
) -> Measure:
    author = by or personas.alice
    made = services.create_measure(
        actor=author,
        title=title,
        summary=summary,
        tlp=tlp,
        pillar=Pillar.objects.get(slug=pillar),
        threats=list(Threat.objects.filter(slug__in=threats)),
        **fields,
    )
    if state == Lifecycle.DRAFT:
        return made
    made = services.submit_measure(made, actor=author)
    if state in (Lifecycle.IN_REVIEW, Lifecycle.PUBLISHED, Lifecycle.WITHDRAWN):
        made = services.start_review(made, actor=personas.curator)
    if state in (Lifecycle.PUBLISHED, Lifecycle.WITHDRAWN):
        made = services.publish_measure(made, actor=personas.curator)
    if state == Lifecycle.WITHDRAWN:
        made = services.withdraw_measure(made, actor=personas.curator)
    return made
