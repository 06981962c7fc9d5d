from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from clearinghouse.mandates.models import Resolution
from clearinghouse.reports.models import Edition, ReportFormat


class ReportRequestForm(forms.Form):
    resolution = forms.ModelChoiceField(label=_("Resolution"), queryset=Resolution.objects.order_by("number"))
    start = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Empty: the first record."),
    )
    end = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Empty: the last record."),
    )
    format = forms.ChoiceField(label=_("Format"), choices=ReportFormat.choices, initial=ReportFormat.DOCX)
    edition = forms.ChoiceField(
        label=_("Who receives it"),
        choices=Edition.choices,
        initial=Edition.PUBLIC,
        help_text=_("Decides the TLP markings the report may hold; TLP:RED is never reported."),
    )
    include_illustrative = forms.BooleanField(
        label=_("Include illustrative data (demonstrations only; marked on every page)"), required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise forms.ValidationError(_("The period cannot end before it starts."))
        return data
