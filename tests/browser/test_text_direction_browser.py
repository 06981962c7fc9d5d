"""A French measure on an Arabic page: chromium lays its sentence out left to right, full stop at the end."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from clearinghouse.catalog import services
from clearinghouse.catalog.models import Pillar

pytestmark = pytest.mark.browser

SUMMARY = "Les téléphones volés sont bloqués sur tous les réseaux (2023)."

#: Where the browser drew the text: the boxes of its first and last characters and of the whole line, and the
#: element's language and direction as the browser computes them.
LAYOUT = """element => {
  const text = element.firstChild;
  const box = (start, end) => { const r = document.createRange(); r.setStart(text, start); r.setEnd(text, end);
                                return r.getBoundingClientRect(); };
  const first = box(0, 1), last = box(text.length - 1, text.length), whole = box(0, text.length);
  return {lang: element.lang, dir: getComputedStyle(element).direction,
          pageDir: getComputedStyle(document.documentElement).direction,
          first: [first.left, first.right, first.top], last: [last.left, last.right, last.top],
          whole: [whole.left, whole.right], text: text.data};
}"""


def publish_french_measure():
    users = get_user_model().objects
    alice, curator = users.get(username="alice"), users.get(username="curator")
    made = services.create_measure(
        actor=alice,
        title="Registre central des terminaux volés",
        summary=SUMMARY,
        language="fr",
        tlp="clear",
        pillar=Pillar.objects.get(slug="technical"),
        threats=[],
    )
    services.submit_measure(made, actor=alice)
    services.start_review(made, actor=curator)
    return services.publish_measure(made, actor=curator)


def test_a_french_summary_on_an_arabic_page_ends_with_its_full_stop_on_the_right(new_page, live_server):
    made = publish_french_measure()
    page = new_page("ar")
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto(f"{live_server.url}/ar/catalogue/measures/{made.pk}/")
    layout = page.locator("p.lead", has_text="Les téléphones").evaluate(LAYOUT)

    assert layout["text"] == SUMMARY
    assert layout["pageDir"] == "rtl"
    assert (layout["lang"], layout["dir"]) == ("fr", "ltr")
    first_left, _first_right, first_top = layout["first"]
    last_left, last_right, last_top = layout["last"]
    whole_left, whole_right = layout["whole"]
    assert first_top == last_top, "the sentence should fit on one line for this test"
    # read left to right inside the right-to-left page: "Les" starts the line on the left...
    assert first_left == pytest.approx(whole_left, abs=1)
    # ...and the full stop ends it on the right (an Arabic-direction paragraph would throw it to the left)
    assert last_right == pytest.approx(whole_right, abs=1)
    assert last_left > first_left
