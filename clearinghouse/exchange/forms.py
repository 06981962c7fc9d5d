"""Forms of the exchange's pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from clearinghouse.exchange.models import SyncSource


class SyncSourceForm(forms.ModelForm):
    token = forms.CharField(
        label=_("API token of the remote"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_(
            "Needed for collections other than the public one. Saved, never shown again; leave empty to keep it."
        ),
    )

    class Meta:
        model = SyncSource
        fields = ["name", "api_root", "collection", "token", "interval_minutes", "owner_state", "owner_organization"]
        help_texts = {
            "api_root": _("The remote's TAXII API root, e.g. https://global.example.org/taxii2/api/."),
            "collection": _("The id of the collection to pull, as the remote lists it."),
            "owner_state": _("The drafts taken in belong to this Member State…"),
            "owner_organization": _("…or to this organization."),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("owner_state")) == bool(data.get("owner_organization")):
            raise forms.ValidationError(_("Choose one owner for the drafts: a Member State or an organization."))
        return data


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
