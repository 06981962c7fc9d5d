"""Changes to catalogue records queue their STIX objects for :func:`clearinghouse.exchange.projection.refresh`.

The queue row is written in the change's own transaction, so a rolled-back change queues nothing and a
committed one is never missed. Only a bookkeeping row is written here; the records themselves change
through the catalogue's services.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from clearinghouse.catalog.models import Measure, MeasureTranslation, Technology
from clearinghouse.exchange.models import PendingProjection
from clearinghouse.exchange.projection import pending


def _measure_changed(sender: Any, instance: Measure, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        pending(PendingProjection.Kind.MEASURE, [instance.pk])


def _translation_changed(sender: Any, instance: MeasureTranslation, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        pending(PendingProjection.Kind.MEASURE, [instance.measure_id])


def _technology_changed(sender: Any, instance: Technology, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        pending(PendingProjection.Kind.TECHNOLOGY, [instance.pk])


def connect() -> None:
    post_save.connect(_measure_changed, sender=Measure, dispatch_uid="exchange.measure")
    post_save.connect(_translation_changed, sender=MeasureTranslation, dispatch_uid="exchange.measure_translation")
    post_delete.connect(
        _translation_changed, sender=MeasureTranslation, dispatch_uid="exchange.measure_translation_gone"
    )
    post_save.connect(_technology_changed, sender=Technology, dispatch_uid="exchange.technology")
