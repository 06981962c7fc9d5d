"""`make demo` shows the clearinghouse at work: illustrative requests from developing countries in their own
languages, offers, one request matched and one followed to its outcome, each marked illustrative."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from clearinghouse.assistance.models import AssistanceOffer, AssistanceRequest, Stage
from clearinghouse.core.testing import client_for
from clearinghouse.mandates.models import Activity, ActivityKind

pytestmark = pytest.mark.django_db


def load() -> str:
    out = io.StringIO()
    call_command("load_demo_data", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_the_demo_holds_requests_and_offers_marked_illustrative_and_one_followed_to_its_outcome():
    assert "Illustrative assistance: 4 requests and 4 offers loaded" in load()
    requests = AssistanceRequest.objects.all()
    assert requests.count() == 4 and not requests.filter(is_illustrative=False).exists()
    assert {r.language for r in requests} == {"fr", "ru", "en"}
    assert AssistanceOffer.objects.filter(is_illustrative=True).count() == 4
    fiji = requests.get(owner_state__alpha2="FJ")
    assert fiji.stage == Stage.CLOSED and fiji.adopted_measures.count() == 1
    assert list(fiji.stage_changes.values_list("to_stage", flat=True)) == [
        "open",
        "matched",
        "agreed",
        "in_delivery",
        "delivered",
        "closed",
    ]
    activity = Activity.objects.get(kind=ActivityKind.ASSISTANCE)
    assert activity.is_illustrative and activity.source_id == str(fiji.pk)

    reader = client_for(None)
    home = reader.get("/en/assistance/").content.decode()
    # Haiti's request, in French, is shown to an English reader in the demo's illustrative English translation
    assert "Illustrative" in home and "Preliminary draft law on cybercrime" in home
    assert "équipe nationale de réponse" not in home  # Senegal's is TLP:GREEN: the signed-in community only
    page = reader.get(fiji.get_absolute_url()).content.decode()
    assert "Illustrative example" in page and "Four remote workshops" in page
    assert "Avant-projet de loi sur la cybercriminalité" in reader.get("/fr/assistance/").content.decode()

    assert "Illustrative assistance: 0 requests and 0 offers loaded" in load()  # again: nothing added
    assert AssistanceRequest.objects.count() == 4
