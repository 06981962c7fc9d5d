"""`make demo` shows an inbox: the demo accounts are told of their own demo records, once."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from clearinghouse.accounts.demo import SENT_BACK_COMMENT
from clearinghouse.accounts.models import Notification, NotificationKind, User
from clearinghouse.core.testing import client_for

pytestmark = pytest.mark.django_db


def load() -> str:
    out = io.StringIO()
    call_command("load_demo_data", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_the_demo_accounts_find_notifications_about_their_own_records_in_their_inbox():
    said = load()
    assert "Demo inboxes: " in said
    kenya = User.objects.get(username="demo-focal-ke")
    page = client_for(kenya).get("/en/account/notifications/").content.decode()
    assert "Central equipment identity register" in page and "was published" in page
    assert client_for(kenya).get("/en/").content.decode().count('class="badge"') >= 1  # the header counts them

    operator = User.objects.get(username="demo-contributor")
    [sent_back] = Notification.objects.filter(recipient=operator)
    assert sent_back.kind == NotificationKind.MEASURE_SENT_BACK and sent_back.params["comment"] == SENT_BACK_COMMENT
    assert SENT_BACK_COMMENT[:40] in client_for(operator).get("/en/account/notifications/").content.decode()
    # each is told only of their own state's or organization's records
    assert not Notification.objects.filter(recipient=kenya).exclude(about_id__in=_kenyan_ids()).exists()

    count = Notification.objects.count()
    load()  # again: the accounts exist, nobody is told twice
    assert Notification.objects.count() == count


def _kenyan_ids() -> list[str]:
    from clearinghouse.catalog.models import Measure

    return [str(pk) for pk in Measure.objects.filter(owner_state__alpha2="KE").values_list("pk", flat=True)]
