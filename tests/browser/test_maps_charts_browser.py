"""The pages' maps and charts as chromium draws them, in Arabic and Chinese (issue 16, items 6 and 8): every
character of their labels has a glyph in the fonts the machine has (`make test` installs Noto CJK and Arabic
where it can), the chart runs right to left in Arabic, and the map has a shape for each state it shades."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from clearinghouse.catalog import services
from clearinghouse.catalog.models import Pillar, Threat

pytestmark = pytest.mark.browser

#: For each character of the texts ``selector`` finds, whether the browser draws it as it draws a character no
#: font has (U+E000, private use: the missing-glyph box); answers how many texts were read and the characters
#: missing.
MISSING_GLYPHS = (Path(__file__).parent / "missing_glyphs.js").read_text(encoding="utf-8")


def publish_kenyan_measure():
    users = get_user_model().objects
    alice, curator = users.get(username="alice"), users.get(username="curator")
    made = services.create_measure(
        actor=alice,
        title="SIM-box detection",
        summary="Bypass traffic is found and stopped.",
        tlp="clear",
        pillar=Pillar.objects.get(slug="technical"),
        threats=list(Threat.objects.filter(slug="simbox-fraud")),
        status="operational",
        since_year=2021,
    )
    services.submit_measure(made, actor=alice)
    services.start_review(made, actor=curator)
    return services.publish_measure(made, actor=curator)


@pytest.mark.parametrize("language", ["ar", "zh-hans"])
def test_the_profile_s_charts_and_the_tracker_s_map_have_every_glyph(new_page, live_server, language):
    publish_kenyan_measure()
    page = new_page(language)
    page.set_viewport_size({"width": 1200, "height": 900})
    page.goto(f"{live_server.url}/{language}/member-states/KE/")
    read, missing = page.evaluate(MISSING_GLYPHS, "figure.chart text, section.profile caption, section.profile h2")
    assert read >= 4 and missing == [], missing
    label = page.locator("figure.chart text").first
    bar = page.locator("figure.chart rect").first
    if language == "ar":  # the label on the right, the bar to its left
        assert label.bounding_box()["x"] > bar.bounding_box()["x"]
    else:
        assert label.bounding_box()["x"] < bar.bounding_box()["x"]
    page.goto(f"{live_server.url}/{language}/tracker/")
    assert page.locator("figure.world-map path").count() > 150
    kenya = page.locator('figure.world-map path[data-numeric="404"]')
    assert kenya.get_attribute("class") == "l2" and kenya.bounding_box()["width"] > 5
    read, missing = page.evaluate(MISSING_GLYPHS, "figure.world-map li, h1, table.tracker thead th")
    assert read >= 10 and missing == [], missing
