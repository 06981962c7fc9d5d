from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from clearinghouse.countries.models import BDTRegion, MemberState, Organization
from clearinghouse.mandates.models import Activity, ActivityKind, Body, Clause, SectionKind

#: The largest resolution text accepted (the longest PP-18 resolution is about 60 KB).
MAX_TEXT_BYTES = 1_000_000


class ResolutionImportForm(forms.Form):
    """A resolution's plain text, uploaded as a file or pasted; previewed before it is saved."""

    body = forms.ChoiceField(label=_("Adopted by"), choices=Body.choices, initial=Body.PP)
    language = forms.ChoiceField(
        label=_("Language of the text"),
        choices=settings.LANGUAGES,
        initial="en",
        required=False,
        help_text=_(
            "English: a resolution or a new revision. Another language: the official text in that language of a "
            "revision imported before, attached to its clauses by their numbering."
        ),
    )
    file = forms.FileField(label=_("Text file (UTF-8)"), required=False)
    text = forms.CharField(label=_("…or the text itself"), widget=forms.Textarea(attrs={"rows": 12}), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["language"] = data.get("language") or "en"
        upload = data.get("file")
        if upload is not None:
            if upload.size > MAX_TEXT_BYTES:
                raise forms.ValidationError(
                    _("The file is %(size)s bytes; a resolution's text is at most %(limit)s.")
                    % {"size": f"{upload.size:,}", "limit": f"{MAX_TEXT_BYTES:,}"}
                )
            try:
                data["text"] = upload.read().decode("utf-8")
            except UnicodeDecodeError as error:
                raise forms.ValidationError(
                    _("The file is not UTF-8 text: expected the plain text of a resolution.")
                ) from error
            data["source_name"] = upload.name
        else:
            data["source_name"] = ""
        if not (data.get("text") or "").strip():
            raise forms.ValidationError(_("Choose a file or paste the text of the resolution."))
        if len(data["text"].encode()) > MAX_TEXT_BYTES:
            raise forms.ValidationError(_("The text is longer than a resolution's text can be."))
        return data


def _clause_label(clause: Clause) -> str:
    section = clause.section
    return f"Res. {section.revision.resolution.number} — {section.heading} {clause.label}: {clause.text[:120]}"


class ActivityForm(forms.ModelForm):
    """An activity recorded by a curator against the operative clauses of the current revisions."""

    clauses = forms.ModelMultipleChoiceField(
        label=_("Operative clauses it implements"), queryset=Clause.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    states = forms.ModelMultipleChoiceField(
        label=_("Participating Member States"), queryset=MemberState.objects.all(), required=False
    )
    organizations = forms.ModelMultipleChoiceField(
        label=_("Participating organizations"), queryset=Organization.objects.all(), required=False
    )
    indicators_text = forms.CharField(
        label=_("Indicators"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line: name = value [unit], e.g. “participants from LDCs = 42”."),
    )

    class Meta:
        model = Activity
        fields = [
            "kind",
            "title",
            "language",
            "description",
            "status",
            "starts_on",
            "ends_on",
            "region",
            "participants",
            "outputs",
            "tlp",
        ]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}),
            "ends_on": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 3}),
            "outputs": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, clauses: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        queryset = clauses if clauses is not None else Clause.objects.filter(section__kind=SectionKind.OPERATIVE)
        chosen = cast(forms.ModelMultipleChoiceField, self.fields["clauses"])
        chosen.queryset = queryset.select_related("section__revision__resolution")
        chosen.label_from_instance = _clause_label  # type: ignore[method-assign,assignment]
        cast(forms.ChoiceField, self.fields["kind"]).choices = ActivityKind.choices
        cast(forms.ChoiceField, self.fields["region"]).choices = [("", "—"), *BDTRegion.choices]
        # what a curator types is most likely in the interface's language (and is taken to be, if not said)
        self.fields["language"].initial = get_language()
        self.fields["language"].required = False

    def clean_indicators_text(self) -> list[dict[str, str]]:
        indicators = []
        for number, line in enumerate(self.cleaned_data.get("indicators_text", "").splitlines(), start=1):
            if not line.strip():
                continue
            name, sep, rest = line.partition("=")
            if not sep or not name.strip() or not rest.strip():
                raise forms.ValidationError(
                    _("Line %(n)s: write an indicator as “name = value [unit]”.") % {"n": number}
                )
            value, _space, unit = rest.strip().partition(" ")
            indicators.append({"name": name.strip(), "value": value, "unit": unit.strip()})
        return indicators
