"""The form of a sync source: the remote collection, its schedule, the owner of the drafts, and how to sign in."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from clearinghouse.exchange.credentials import split_address
from clearinghouse.exchange.models import SyncSource


class SyncSourceForm(forms.ModelForm):
    token = forms.CharField(
        label=_("API token of the remote"),
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Or a user name and password below. Saved encrypted, never shown again; leave empty to keep it."),
    )
    password = forms.CharField(
        label=_("Password at the remote"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Saved encrypted, never shown again; leave empty to keep it."),
    )
    forget_credentials = forms.BooleanField(
        label=_("Forget the saved token or password"), required=False, help_text=_("Pull without signing in.")
    )

    class Meta:
        model = SyncSource
        fields = [
            "name",
            "api_root",
            "collection",
            "token",
            "username",
            "password",
            "forget_credentials",
            "interval_minutes",
            "owner_state",
            "owner_organization",
        ]
        help_texts = {
            "api_root": _("The remote's TAXII API root, e.g. https://global.example.org/taxii2/api/."),
            "collection": _("The id of the collection to pull, as the remote lists it."),
            "username": _("For a remote that asks for HTTP Basic (OASIS medallion and many TAXII servers)."),
            "owner_state": _("The drafts taken in belong to this Member State…"),
            "owner_organization": _("…or to this organization."),
        }

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any):
        # an address typed as https://user:password@host/… is split before anything else sees it, so that the
        # page never shows the password back, not even beside an error
        if data is not None and "@" in (data.get("api_root") or ""):
            data = data.copy()
            address, username, password = split_address(data["api_root"])
            data["api_root"] = address
            if username and not data.get("username"):
                data["username"] = username
            if password and not data.get("password"):
                data["password"] = password
        super().__init__(data, *args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("owner_state")) == bool(data.get("owner_organization")):
            raise forms.ValidationError(_("Choose one owner for the drafts: a Member State or an organization."))
        return data
