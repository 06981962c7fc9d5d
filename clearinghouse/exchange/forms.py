"""Forms of the exchange's pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ImportUploadForm(forms.Form):
    """A STIX 2.1 bundle to take in as drafts in review."""

    file = forms.FileField(
        label=_("STIX 2.1 bundle (.json)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".json,application/json,application/stix+json"}),
        help_text=_(
            "A bundle exported by another instance of this platform, by MITRE ATT&CK, MISP or OpenCTI. Its "
            "measures and technologies become drafts in review for your state or organization; nothing is "
            "published before a curator reviews it."
        ),
    )
