"""The review workflow: draft → submitted → in review → published → withdrawn, and back to draft."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clearinghouse.accounts import selectors as people
from clearinghouse.accounts.models import NotificationKind
from clearinghouse.accounts.services import notify
from clearinghouse.catalog import search
from clearinghouse.catalog.models import (
    Measure,
    ReviewComment,
)
from clearinghouse.catalog.services.drafting import InvalidTransition, is_member_of_owner, require_curator, save_version
from clearinghouse.core import audit
from clearinghouse.core.visibility import Lifecycle
from clearinghouse.mandates.models import ActivityKind
from clearinghouse.mandates.services import record_activity


def _transition(
    measure: Measure,
    target: str,
    allowed_from: tuple[str, ...],
    *,
    actor: Any,
    action: str,
    comment: str = "",
    **stamps: Any,
) -> Measure:
    measure = Measure.objects.select_for_update().get(pk=measure.pk)
    if measure.lifecycle not in allowed_from:
        raise InvalidTransition(measure.lifecycle, target)
    before = measure.lifecycle
    measure.lifecycle = target
    for name, value in stamps.items():
        setattr(measure, name, value)
    measure.version += 1
    measure.save()
    save_version(measure, actor=actor, action=action, comment=comment)
    search.index_measure(measure)
    audit.record(actor, f"measure.{action}", measure, changes={"lifecycle": [before, target], "comment": comment})
    return measure


@transaction.atomic
def submit_measure(measure: Measure, *, actor: Any) -> Measure:
    """A member sends their draft to the Secretariat for review."""
    if not is_member_of_owner(actor, measure):
        raise PermissionDenied(_("Only members of the owner can submit this measure."))
    measure = _transition(
        measure, Lifecycle.SUBMITTED, (Lifecycle.DRAFT,), actor=actor, action="submitted", submitted_at=timezone.now()
    )
    notify(NotificationKind.MEASURE_SUBMITTED, recipients=people.curators(), about=measure, actor=actor)
    return measure


@transaction.atomic
def start_review(measure: Measure, *, actor: Any) -> Measure:
    require_curator(actor, _("Only a curator can review."))
    measure = _transition(measure, Lifecycle.IN_REVIEW, (Lifecycle.SUBMITTED,), actor=actor, action="review_started")
    notify(
        NotificationKind.MEASURE_REVIEW_STARTED, recipients=people.members_of_owner(measure), about=measure, actor=actor
    )
    return measure


@transaction.atomic
def send_back_measure(measure: Measure, *, actor: Any, comment: str) -> Measure:
    """A curator returns a measure to its owner as a draft, saying what to change."""
    require_curator(actor, _("Only a curator can send a measure back."))
    if not comment.strip():
        raise ValidationError(_("Say what the owner should change."), code="comment_required")
    measure = _transition(
        measure,
        Lifecycle.DRAFT,
        (Lifecycle.SUBMITTED, Lifecycle.IN_REVIEW),
        actor=actor,
        action="sent_back",
        comment=comment.strip(),
    )
    ReviewComment.objects.create(measure=measure, author=actor, text=comment.strip())
    notify(
        NotificationKind.MEASURE_SENT_BACK,
        recipients=people.members_of_owner(measure),
        about=measure,
        actor=actor,
        comment=comment.strip(),
    )
    return measure


@transaction.atomic
def publish_measure(measure: Measure, *, actor: Any) -> Measure:
    """A curator publishes a submitted measure; dissemination is recorded against the resolution."""
    require_curator(actor, _("Only a curator can publish."))
    measure = _transition(
        measure,
        Lifecycle.PUBLISHED,
        (Lifecycle.SUBMITTED, Lifecycle.IN_REVIEW),
        actor=actor,
        action="published",
        published_at=timezone.now(),
    )
    if not measure.is_illustrative:
        record_activity(kind=ActivityKind.DISSEMINATION, title=measure.title, source=measure, actor=actor)
    notify(NotificationKind.MEASURE_PUBLISHED, recipients=people.members_of_owner(measure), about=measure, actor=actor)
    return measure


@transaction.atomic
def withdraw_measure(measure: Measure, *, actor: Any, comment: str = "") -> Measure:
    """The owner's members or a curator withdraw a published measure; it stays in the history."""
    if not (is_member_of_owner(actor, measure) or getattr(actor, "is_curator", False)):
        raise PermissionDenied(_("Only members of the owner or a curator can withdraw this measure."))
    return _transition(
        measure, Lifecycle.WITHDRAWN, (Lifecycle.PUBLISHED,), actor=actor, action="withdrawn", comment=comment
    )
