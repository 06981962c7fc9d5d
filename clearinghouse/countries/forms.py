from __future__ import annotations

from django import forms

from clearinghouse.countries.models import MemberState
from clearinghouse.countries.services import PROFILE_FIELDS


class MemberStateProfileForm(forms.ModelForm):
    class Meta:
        model = MemberState
        fields = list(PROFILE_FIELDS)
