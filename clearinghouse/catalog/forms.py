from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from clearinghouse.accounts.selectors import accounts_named
from clearinghouse.catalog.models import (
    Language,
    Measure,
    MeasureReference,
    MeasureTranslation,
    Technology,
    Threat,
    TranslationQuality,
)
from clearinghouse.countries.models import NAME_COLUMNS, MemberState, Organization, active_language


class ThreatChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Threat) -> str:
        return f"{obj.parent.name} — {obj.name}" if obj.parent is not None else obj.name


MAX_NAMED_PEOPLE = 100


def named_people(entries: list[str]) -> list[Any]:
    """The accounts a TLP:RED record names, from e-mail addresses or user names; an unknown one is refused by
    name (the form and the API alike)."""
    if len([e for e in entries if e.strip()]) > MAX_NAMED_PEOPLE:
        raise ValidationError(_("Name at most %(limit)d people.") % {"limit": MAX_NAMED_PEOPLE})
    found, unknown = accounts_named(entries)
    if unknown:
        raise ValidationError(
            _("No active account has the e-mail address or user name “%(entry)s”.") % {"entry": unknown[0][:100]}
        )
    return found


class MeasureForm(forms.ModelForm):
    """The fields a member fills in; the workflow sets the rest. Rules live on the model and services."""

    threats = ThreatChoiceField(
        queryset=Threat.objects.select_related("parent").order_by("position"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 10}),
        label=_("Threats countered"),
    )
    technologies = forms.ModelMultipleChoiceField(
        queryset=Technology.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        label=_("Technologies used"),
    )
    shared_with_states = forms.ModelMultipleChoiceField(
        queryset=MemberState.objects.order_by("name_en"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        label=_("Member States you share it with"),
        help_text=_("For TLP:AMBER: their members may see it once published (need to know)."),
    )
    shared_with_organizations = forms.ModelMultipleChoiceField(
        queryset=Organization.objects.order_by("name"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        label=_("Organizations you share it with"),
        help_text=_("For TLP:AMBER: their members may see it once published (need to know)."),
    )
    named_people = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("People you name"),
        help_text=_(
            "For TLP:RED: one e-mail address or user name per line. You are always named. Before publication only "
            "the people named who belong to your state or organization see it, and the Secretariat curators named "
            "here, who review it; once published, everyone named."
        ),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Measure
        fields = [
            "title",
            "summary",
            "language",
            "pillar",
            "threats",
            "technologies",
            "status",
            "since_year",
            "description",
            "evidence",
            "evidence_source",
            "cost_range",
            "prerequisites",
            "tlp",
            "shared_with_states",
            "shared_with_organizations",
        ]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "description": forms.Textarea(
                attrs={
                    "rows": 12,
                    "class": "markdown",
                    "hx-target": "#live-preview",
                    "hx-trigger": "input changed delay:500ms, load",
                }
            ),
            "evidence": forms.Textarea(attrs={"rows": 5, "class": "markdown"}),
            "prerequisites": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, technologies: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # live preview of the description while typing (htmx); the Preview button does the same without JavaScript
        self.fields["description"].widget.attrs["hx-post"] = reverse("catalog:markdown_preview")
        if technologies is not None:
            self.fields["technologies"].queryset = technologies  # type: ignore[attr-defined]
        self.fields["tlp"].help_text = _(
            "CLEAR: everyone. GREEN: signed-in members. AMBER: your state or organization, the Secretariat and "
            "those you name. AMBER+STRICT: your state or organization and the Secretariat. RED: only named people."
        )

        if self.instance.pk is None and not self.is_bound:
            self.initial["language"] = active_language()  # a new measure is most often written in the interface's
        if self.instance.pk and not self.is_bound:
            named = self.instance.shared_with_users.order_by("username")
            self.initial["named_people"] = "\n".join(person.email or person.username for person in named)

    def clean_named_people(self) -> list[Any]:
        return named_people(self.cleaned_data["named_people"].splitlines())

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        data["shared_with_users"] = data.pop("named_people", [])
        return data


class ReferenceForm(forms.ModelForm):
    class Meta:
        model = MeasureReference
        fields = ["kind", "title", "url"]


ReferenceFormSet = forms.formset_factory(ReferenceForm, extra=2, max_num=30, can_delete=True)


class SendBackForm(forms.Form):
    comment = forms.CharField(label=_("What should the owner change?"), widget=forms.Textarea(attrs={"rows": 4}))


class WithdrawForm(forms.Form):
    comment = forms.CharField(label=_("Why is it withdrawn?"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File (PDF, DOCX, PNG or JPEG)"))


class TranslationForm(forms.ModelForm):
    """A measure's texts in another language, and how they were made (the marks a person gives)."""

    quality = forms.ChoiceField(
        label=_("How it was made"),
        choices=[(mark.value, mark.label) for mark in TranslationQuality if mark != TranslationQuality.ILLUSTRATIVE],
    )

    class Meta:
        model = MeasureTranslation
        fields = ["language", "quality", "translator", "title", "summary", "description", "evidence", "prerequisites"]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "description": forms.Textarea(attrs={"rows": 10}),
            "evidence": forms.Textarea(attrs={"rows": 4}),
            "prerequisites": forms.Textarea(attrs={"rows": 2}),
        }


class CompareForm(forms.Form):
    a = forms.IntegerField(min_value=1, label=_("From version"))
    b = forms.IntegerField(min_value=1, label=_("To version"))


TRANSLATION_KINDS = [
    ("", _("Measures and technologies")),
    ("measure", _("Measures")),
    ("technology", _("Technologies")),
]


class XliffExportForm(forms.Form):
    """What to send a translator: texts without a current translation into one language."""

    language = forms.ChoiceField(label=_("Target language"), choices=Language.choices)
    kind = forms.ChoiceField(label=_("Records"), choices=TRANSLATION_KINDS, required=False)
    which = forms.ChoiceField(
        label=_("Which texts"),
        choices=[
            ("all", _("Everything without a current translation")),
            ("missing", _("Records never translated")),
            ("outdated", _("Outdated translations")),
        ],
        required=False,
    )
    records = forms.CharField(
        label=_("Only these records"),
        required=False,
        help_text=_("Optional: e.g. “measure/12 measure/40 technology/3”, as the dashboard's lists name them."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from clearinghouse.catalog.selectors import RECORD_TYPE_DETAILS

        super().__init__(*args, **kwargs)
        known = {kind for kind, _label in TRANSLATION_KINDS}
        kind: Any = self.fields["kind"]
        kind.choices = [
            ("", _("Every kind of record")),
            *[(k, d.label) for k, d in RECORD_TYPE_DETAILS.items() if k in known],
            *[(k, d.label) for k, d in RECORD_TYPE_DETAILS.items() if k not in known],
        ]

    def clean_records(self) -> dict[str, list[int]] | None:
        from clearinghouse.catalog.translation_files import parse_selection

        try:
            return parse_selection([self.cleaned_data.get("records") or ""])
        except ValueError as error:
            raise ValidationError(
                _("“%(entry)s” does not name a record: write measure/12 or technology/3.") % {"entry": str(error)[:80]}
            ) from None


class XliffImportForm(forms.Form):
    """A translator's XLIFF 1.2 file, back."""

    language = forms.ChoiceField(
        label=_("Target language"),
        choices=Language.choices,
        help_text=_("The file's target-language must be this one."),
    )
    file = forms.FileField(
        label=_("XLIFF 1.2 file (.xlf, .xliff)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlf,.xliff,application/x-xliff+xml,application/xml"}),
    )


class TaxonomyNamesForm(forms.Form):
    """The names of a threat or a pillar in the six languages, each labelled in its own language."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for language, suffix in NAME_COLUMNS.items():
            self.fields["name_" + suffix] = forms.CharField(
                label=get_language_info(language)["name_local"],
                max_length=200,
                required=language == "en",
                widget=forms.TextInput(attrs={"lang": language, "dir": "rtl" if language == "ar" else "ltr"}),
            )


class SynonymForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    text = forms.CharField(label=_("Synonym"), max_length=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].initial = active_language()
