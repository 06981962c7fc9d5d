"""A few notifications for the demo accounts, so that `make demo` shows an inbox: what the workflow would have told
each of them about their own demo records (published; sent back with a curator's comment). They describe real
records of the demo catalogue and go through ``notify`` like any other, e-mails included (printed by the demo's
console mail backend)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from clearinghouse.accounts.models import NotificationKind, User
from clearinghouse.accounts.services import notify
from clearinghouse.catalog.models import Measure
from clearinghouse.core.visibility import Lifecycle

#: The curator's comment on the demo operator's draft (illustrative, like the draft itself).
SENT_BACK_COMMENT = (
    "Thank you. Before we publish it, please add what the blocking achieved: calls blocked per month and the share "
    "of IRSF losses avoided, with the period measured."
)


@transaction.atomic
def load_demo_notifications(usernames: list[str]) -> int:
    """Tell these demo accounts (just created) of their own demo records; answers how many notifications."""
    told = 0
    for user in User.objects.filter(username__in=usernames).select_related("membership"):
        owned = Measure.objects.filter(is_illustrative=True)
        if user.member_state_id is not None:
            owned = owned.filter(owner_state_id=user.member_state_id)
        else:
            owned = owned.filter(owner_organization_id=user.organization_id)
        for measure in owned.order_by("pk"):
            told += _tell(user, measure)
    return told


def _tell(user: Any, measure: Measure) -> int:
    if measure.lifecycle == Lifecycle.PUBLISHED:
        return len(notify(NotificationKind.MEASURE_PUBLISHED, recipients=[user], about=measure))
    if measure.lifecycle == Lifecycle.DRAFT:
        kind = NotificationKind.MEASURE_SENT_BACK
        return len(notify(kind, recipients=[user], about=measure, comment=SENT_BACK_COMMENT))
    return 0
