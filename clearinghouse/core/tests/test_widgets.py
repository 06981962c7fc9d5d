"""``QuickSelect`` writes what Django's ``Select`` writes through its templates, faster."""

from __future__ import annotations

import re

import pytest
from django import forms

from clearinghouse.core.widgets import QuickSelect

CHOICES = [
    ("", "Every one"),
    ("a&b", 'A "quoted" <name> & more'),
    ("Groups", [("x", "Ex"), ("y", "Why")]),
    (3, "Three"),
]


@pytest.mark.parametrize("value", [None, "", "a&b", "y", 3, "absent"])
@pytest.mark.parametrize("attrs", [None, {"id": "id_pick", "dir": "auto", "required": True, "disabled": False}])
def test_the_html_is_django_s_own(value, attrs):
    """The same elements, attributes and text: only the blank lines the templates leave between tags differ."""

    def tags(html: str) -> str:
        return re.sub(r">\s+<", "><", html)

    django_html = forms.Select(choices=CHOICES).render("pick", value, attrs)
    assert tags(QuickSelect(choices=CHOICES).render("pick", value, attrs)) == tags(django_html)


def test_a_field_with_it_renders_and_validates_as_with_django_s():
    class Form(forms.Form):
        pick = forms.ChoiceField(choices=CHOICES, widget=QuickSelect, required=False)

    bound = Form({"pick": "x"})
    assert bound.is_valid() and bound.cleaned_data["pick"] == "x"
    assert '<option value="x" selected>Ex</option>' in str(bound["pick"])
    assert "&lt;name&gt; &amp; more" in str(bound["pick"])
