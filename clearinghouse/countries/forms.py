from __future__ import annotations

import re
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from clearinghouse.core.visibility import TLP
from clearinghouse.countries.models import CONTACT_MARKINGS, Contact, MemberState, validate_language_codes
from clearinghouse.countries.services import CONTACT_FIELDS, PROFILE_FIELDS


class MemberStateProfileForm(forms.ModelForm):
    class Meta:
        model = MemberState
        fields = list(PROFILE_FIELDS)


def _six_languages() -> list[tuple[str, str]]:
    return [(code, get_language_info(code)["name_local"]) for code, _name in settings.LANGUAGES]


class LanguageBoxes(forms.CheckboxSelectMultiple):
    """The six languages, each named in itself and marked with its language (and direction)."""

    option_template_name = "countries/widgets/language_option.html"


class ContactForm(forms.ModelForm):
    """A point of contact: the six UN languages as boxes to tick, any other language by its code."""

    tlp = forms.ChoiceField(
        label=_("Who may see this contact"),
        choices=[
            (TLP.GREEN, _("TLP:GREEN — every signed-in member of the platform")),
            (TLP.AMBER_STRICT, _("TLP:AMBER+STRICT — only our own members and the Secretariat's curators")),
        ],
        initial=TLP.GREEN,
        widget=forms.RadioSelect,
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages"), choices=_six_languages, required=False, widget=LanguageBoxes
    )
    other_languages = forms.CharField(
        label=_("Other languages"),
        required=False,
        help_text=_("Language codes separated by commas, such as sw, pt, hi."),
    )

    class Meta:
        model = Contact
        fields = ["function", "name", "position", "email", "phone", "time_zone", "tlp"]
        widgets = {"time_zone": forms.TextInput(attrs={"placeholder": "Africa/Nairobi", "autocomplete": "off"})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        six = {code for code, _name in settings.LANGUAGES}
        if self.instance.pk:
            known = list(self.instance.languages or [])
            self.initial["languages"] = [code for code in known if code in six]
            self.initial["other_languages"] = ", ".join(code for code in known if code not in six)

    def clean_other_languages(self) -> list[str]:
        # (a comma as any script writes it: Latin, Arabic «،», Chinese «，» and «、»)
        codes = [code.strip() for code in re.split("[,،，、]", self.cleaned_data["other_languages"]) if code.strip()]
        validate_language_codes(codes)
        return codes

    def clean_tlp(self) -> str:
        value: str = self.cleaned_data["tlp"]
        if value not in CONTACT_MARKINGS:
            raise ValidationError(_("A point of contact is marked TLP:GREEN or TLP:AMBER+STRICT."))
        return value

    def values(self) -> dict[str, Any]:
        """What the services take (``CONTACT_FIELDS``)."""
        data = self.cleaned_data
        languages = list(dict.fromkeys([*data.get("languages", []), *data.get("other_languages", [])]))
        return {field: languages if field == "languages" else data[field] for field in CONTACT_FIELDS}


class RoundForm(forms.Form):
    states = forms.ModelMultipleChoiceField(
        label=_("Member States"),
        queryset=MemberState.objects.ordered_by_name(),
        required=False,
        help_text=_("None chosen: every Member State."),
        widget=forms.SelectMultiple(attrs={"size": 12}),
    )
    include_organizations = forms.BooleanField(label=_("Ask the organizations' contacts too"), required=False)
    message = forms.CharField(
        label=_("A word for the contacts (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
