"""The forms of the assistance pages. They read what a person typed; who may do what, and the steps' order, are
the services' (a forged value reaches the service and is refused there, with its message)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from clearinghouse.assistance.models import (
    AssistanceOffer,
    AssistanceOfferTranslation,
    AssistanceRequest,
    AssistanceRequestTranslation,
    CostModel,
    HelpKind,
    Modality,
)
from clearinghouse.assistance.services import OFFER_WRITABLE, REQUEST_WRITABLE
from clearinghouse.catalog.forms import ThreatChoiceField, TranslationForm
from clearinghouse.catalog.models import Measure, Pillar, Threat
from clearinghouse.core.visibility import TLP
from clearinghouse.countries.forms import LanguageBoxes, _six_languages
from clearinghouse.countries.models import BDTRegion, MemberState, Organization, active_language

REQUEST_MARKING_CHOICES = [
    (TLP.CLEAR, _("TLP:CLEAR — everyone, signed in or not")),
    (TLP.GREEN, _("TLP:GREEN — every signed-in member of the platform")),
    (TLP.AMBER, _("TLP:AMBER — our own members, the Secretariat's curators and the states and organizations named")),
    (TLP.AMBER_STRICT, _("TLP:AMBER+STRICT — only our own members and the Secretariat's curators")),
]


def _sharing_fields() -> dict[str, forms.Field]:
    return {
        "shared_with_states": forms.ModelMultipleChoiceField(
            queryset=MemberState.objects.order_by("name_en"),
            required=False,
            widget=forms.SelectMultiple(attrs={"size": 6}),
            label=_("Member States you share it with"),
            help_text=_("For TLP:AMBER: their members may see it (need to know)."),
        ),
        "shared_with_organizations": forms.ModelMultipleChoiceField(
            queryset=Organization.objects.order_by("name"),
            required=False,
            widget=forms.SelectMultiple(attrs={"size": 6}),
            label=_("Organizations you share it with"),
            help_text=_("For TLP:AMBER: their members may see it (need to know)."),
        ),
    }


class AssistanceRequestForm(forms.ModelForm):
    """A state's request: the need in its own words and the help it wants; it stays a draft until opened."""

    member_state = forms.ModelChoiceField(
        queryset=MemberState.objects.all(), to_field_name="alpha2", widget=forms.HiddenInput, required=False
    )
    threats = ThreatChoiceField(
        queryset=Threat.objects.select_related("parent").order_by("position"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        label=_("Threats it concerns"),
    )
    pillars = forms.ModelMultipleChoiceField(
        queryset=Pillar.objects.order_by("position"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Pillars it concerns"),
    )
    measures = forms.ModelMultipleChoiceField(
        queryset=Measure.objects.none(),  # set per reader in __init__
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        label=_("Measures of the catalogue you want to adopt"),
    )
    kinds = forms.MultipleChoiceField(
        choices=HelpKind.choices, widget=forms.CheckboxSelectMultiple, label=_("Kinds of help"), required=False
    )
    languages = forms.MultipleChoiceField(
        choices=_six_languages, widget=LanguageBoxes, label=_("Languages the help can be given in"), required=False
    )
    tlp = forms.ChoiceField(
        label=_("Who may see it once opened"),
        choices=REQUEST_MARKING_CHOICES,
        initial=TLP.GREEN,
        widget=forms.RadioSelect,
    )

    class Meta:
        model = AssistanceRequest
        fields = list(REQUEST_WRITABLE)
        widgets = {
            "need": forms.Textarea(attrs={"rows": 8}),
            "wanted_from": forms.DateInput(attrs={"type": "date"}),
            "wanted_until": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args: Any, measures: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(_sharing_fields())
        self.fields["modality"].initial = Modality.ON_SITE
        if measures is not None:
            self.fields["measures"].queryset = measures  # type: ignore[attr-defined]
        if self.instance.pk is None and not self.is_bound:
            self.initial["language"] = active_language()  # a need is most often written in the interface's
        if self.instance.pk is not None:
            del self.fields["member_state"]  # a request's state never changes

    def service_fields(self) -> dict[str, Any]:
        """What ``create_request`` and ``update_request`` take."""
        return {name: self.cleaned_data[name] for name in REQUEST_WRITABLE if name in self.cleaned_data}


class AssistanceOfferForm(forms.ModelForm):
    """What a state, an organization or the Secretariat can give."""

    on_behalf_of = forms.CharField(
        label=_("On behalf of"), required=False, widget=forms.Select, help_text=_("Your state or organization.")
    )
    threats = ThreatChoiceField(
        queryset=Threat.objects.select_related("parent").order_by("position"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        label=_("Expertise: threats"),
    )
    pillars = forms.ModelMultipleChoiceField(
        queryset=Pillar.objects.order_by("position"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Expertise: pillars"),
    )
    kinds = forms.MultipleChoiceField(
        choices=HelpKind.choices, widget=forms.CheckboxSelectMultiple, label=_("Kinds of help")
    )
    languages = forms.MultipleChoiceField(choices=_six_languages, widget=LanguageBoxes, label=_("Languages"))
    regions = forms.MultipleChoiceField(
        choices=BDTRegion.choices,
        widget=forms.CheckboxSelectMultiple,
        label=_("Regions served"),
        required=False,
        help_text=_("None: any region."),
    )
    modalities = forms.MultipleChoiceField(
        choices=Modality.choices, widget=forms.CheckboxSelectMultiple, label=_("Modalities"), required=False
    )
    cost_model = forms.ChoiceField(choices=CostModel.choices, label=_("Cost"), widget=forms.RadioSelect)
    tlp = forms.ChoiceField(
        label=_("Who may see it"),
        choices=REQUEST_MARKING_CHOICES,
        initial=TLP.GREEN,
        widget=forms.RadioSelect,
    )

    class Meta:
        model = AssistanceOffer
        fields = list(OFFER_WRITABLE)
        widgets = {
            "description": forms.Textarea(attrs={"rows": 6}),
            "past_engagements": forms.Textarea(attrs={"rows": 3}),
            "available_until": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args: Any, owners: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(_sharing_fields())
        if self.instance.pk is not None or not owners:
            del self.fields["on_behalf_of"]  # an offer's owner never changes
        else:
            self.fields["on_behalf_of"].widget.choices = owners
            self.initial.setdefault("on_behalf_of", owners[0][0])
        if self.instance.pk is None and not self.is_bound:
            self.initial["language"] = active_language()

    def clean_on_behalf_of(self) -> dict[str, Any]:
        """``state:KE`` or ``org:gsma`` as the owner the service takes (any existing one: the service says whether
        the person may offer on its behalf)."""
        value = self.cleaned_data["on_behalf_of"]
        kind, _sep, key = value.partition(":")
        if kind == "state" and (state := MemberState.objects.filter(alpha2=key.upper()).first()):
            return {"owner_state": state}
        if kind == "org" and (organization := Organization.objects.filter(slug=key).first()):
            return {"owner_organization": organization}
        raise ValidationError(_("Choose the state or organization the offer is made on behalf of."))

    def service_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in OFFER_WRITABLE if name in self.cleaned_data}


def owners_for(user: Any) -> list[tuple[str, str]]:
    """Whom ``user`` may offer on behalf of: their state, their organization (curators: the ITU's)."""
    options: list[tuple[str, str]] = []
    if user.member_state_id:
        options.append((f"state:{user.member_state.alpha2}", str(user.member_state)))
    if user.organization_id:
        options.append((f"org:{user.organization.slug}", str(user.organization)))
    return options


class CommentForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment (optional)"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ChooseForm(CommentForm):
    offers = forms.ModelMultipleChoiceField(
        queryset=AssistanceOffer.objects.none(), widget=forms.CheckboxSelectMultiple, label=_("Offers chosen")
    )

    field_order = ["offers", "comment"]

    def __init__(self, *args: Any, offers: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if offers is not None:
            self.fields["offers"].queryset = offers  # type: ignore[attr-defined]


class ProposeForm(forms.Form):
    offer = forms.ModelChoiceField(queryset=AssistanceOffer.objects.none(), label=_("Offer"), empty_label=None)

    def __init__(self, *args: Any, offers: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if offers is not None:
            self.fields["offer"].queryset = offers  # type: ignore[attr-defined]


class DeliveryForm(CommentForm):
    offer = forms.ModelChoiceField(queryset=AssistanceOffer.objects.none(), label=_("Offer"), empty_label=None)
    delivered = forms.CharField(
        label=_("What was delivered"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )

    field_order = ["offer", "delivered", "comment"]

    def __init__(self, *args: Any, offers: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if offers is not None:
            self.fields["offer"].queryset = offers  # type: ignore[attr-defined]


class CloseForm(forms.Form):
    outcome = forms.CharField(
        label=_("Outcome: what came of the assistance"), max_length=8000, widget=forms.Textarea(attrs={"rows": 4})
    )
    adopted_measures = forms.ModelMultipleChoiceField(
        queryset=Measure.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        label=_("Your state's own measures that came of it"),
    )
    feedback = forms.CharField(
        label=_("Feedback on the help received (optional)"),
        required=False,
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, measures: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if measures is not None:
            self.fields["adopted_measures"].queryset = measures  # type: ignore[attr-defined]


class HideForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it is hidden (its state reads this)"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )


class RequestTranslationForm(TranslationForm):
    """A request's title and need in another language, and how they were made (the catalogue's marks)."""

    class Meta(TranslationForm.Meta):
        model = AssistanceRequestTranslation  # type: ignore[assignment]
        fields = ["language", "quality", "translator", "title", "need"]
        widgets = {"need": forms.Textarea(attrs={"rows": 8})}


class OfferTranslationForm(TranslationForm):
    """An offer's title, description and past engagements in another language, and how they were made."""

    class Meta(TranslationForm.Meta):
        model = AssistanceOfferTranslation  # type: ignore[assignment]
        fields = ["language", "quality", "translator", "title", "description", "past_engagements"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 8}),
            "past_engagements": forms.Textarea(attrs={"rows": 4}),
        }
