"""State changes to requests, offers and engagements. Who may do what is decided here, once (docs/assistance.md):

- a request is drafted, opened, withdrawn and closed by the members of its Member State (on its behalf, never on
  another's); the state chooses whom to work with;
- an offer is made by the members of its state or organization; the Secretariat's, by curators (for the ITU);
- an offer is put forward for a request by a curator or by the offerer, when both may see the request;
- a curator can hide an abusive request (and show it again).

Every step is dated, audited and, for a request, kept as a ``StageChange`` with its comment. A step out of order,
an offer beyond its capacity or past its date, a request on behalf of another state: a ``ValidationError`` or
``PermissionDenied`` naming the problem, and nothing changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clearinghouse.assistance import search
from clearinghouse.assistance.models import (
    LIFECYCLE_OF_STAGE,
    NEXT_STAGES,
    AssistanceOffer,
    AssistanceOfferTranslation,
    AssistanceRequest,
    AssistanceRequestTranslation,
    Engagement,
    Stage,
    StageChange,
)
from clearinghouse.core import audit
from clearinghouse.core.visibility import TLP, Lifecycle

#: Who else an AMBER record is shared with: the last fields of its form.
SHARING = ("shared_with_states", "shared_with_organizations")
#: What a request's owner writes when drafting or changing it, in the order its form and the API show it.
REQUEST_WRITABLE = (
    "title",
    "need",
    "language",
    "threats",
    "pillars",
    "measures",
    "kinds",
    "languages",
    "modality",
    "wanted_from",
    "wanted_until",
    "urgency",
    "tlp",
    *SHARING,
)
REQUEST_RELATIONS = ("threats", "pillars", "measures", *SHARING)
#: The fields among them that are the request's own columns.
REQUEST_FIELDS = tuple(name for name in REQUEST_WRITABLE if name not in REQUEST_RELATIONS)
#: What the one who offers writes, in the order its form and the API show it.
OFFER_WRITABLE = (
    "title",
    "description",
    "language",
    "threats",
    "pillars",
    "kinds",
    "languages",
    "regions",
    "modalities",
    "capacity",
    "available_until",
    "cost_model",
    "past_engagements",
    "tlp",
    *SHARING,
)
OFFER_RELATIONS = ("threats", "pillars", *SHARING)
#: The fields among them that are the offer's own columns.
OFFER_FIELDS = tuple(name for name in OFFER_WRITABLE if name not in OFFER_RELATIONS)
#: A request is never TLP:RED: it is meant to reach those who can help.
REQUEST_MARKINGS = (TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT)


def _signed_in(actor: Any) -> bool:
    return bool(getattr(actor, "is_authenticated", False) and actor.is_active)


def is_member_of_state(actor: Any, member_state_id: int | None) -> bool:
    return _signed_in(actor) and member_state_id is not None and actor.member_state_id == member_state_id


def may_act_for_request(actor: Any, request: AssistanceRequest) -> bool:
    """The members of the requesting state act for its request."""
    return is_member_of_state(actor, request.owner_state_id)


def may_act_for_offer(actor: Any, offer: AssistanceOffer) -> bool:
    """The members of the offering state or organization act for its offer (curators too, for the ITU's)."""
    if not _signed_in(actor):
        return False
    if offer.owner_state_id is not None:
        return actor.member_state_id == offer.owner_state_id
    if actor.organization_id == offer.owner_organization_id:
        return True
    return bool(actor.is_curator and offer.owner_organization and offer.owner_organization.slug == "itu")


def _set(record: Any, values: dict[str, Any], fields: Iterable[str], relations: Iterable[str]) -> dict[str, Any]:
    """Apply the given fields, validate the record, then the relations; answers the changes for the audit log."""
    unknown = set(values) - set(fields) - set(relations)
    if unknown:
        raise ValidationError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    changes: dict[str, Any] = {}
    for name in fields:
        if name in values and getattr(record, name) != values[name]:
            changes[name] = [getattr(record, name), values[name]]
            setattr(record, name, values[name])
    record.full_clean()
    record.save()
    for name in relations:
        if name in values:
            getattr(record, name).set(values[name])
            changes[name] = sorted(str(item.pk) for item in values[name])
    return changes


def _check_request_marking(request: AssistanceRequest) -> None:
    if request.tlp not in REQUEST_MARKINGS:
        raise ValidationError({"tlp": _("A request for assistance is marked CLEAR, GREEN, AMBER or AMBER+STRICT.")})


# -- who is told (accounts' notifications) ------------------------------------------------------------------------


def _people_of(*, member_state: Any = None, organization: Any = None) -> list[Any]:
    from clearinghouse.accounts import selectors as people

    return list(people.members_of(member_state=member_state, organization=organization).filter(is_active=True))


def _engaged_people(request: AssistanceRequest, statuses: tuple[str, ...]) -> list[Any]:
    found: list[Any] = []
    engaged = request.engagements.filter(status__in=statuses).select_related(
        "offer__owner_state", "offer__owner_organization"
    )
    for engagement in engaged:
        offer = engagement.offer
        found += _people_of(member_state=offer.owner_state, organization=offer.owner_organization)
    return found


def _tell_step(request: AssistanceRequest, to: str, *, actor: Any) -> None:
    """The requesting state's people and the offerers taking part hear of each step after the match (a withdrawn
    request: every offerer put forward)."""
    from clearinghouse.accounts.models import NotificationKind
    from clearinghouse.accounts.services import notify

    if to in (Stage.DRAFT, Stage.OPEN, Stage.MATCHED):
        return  # opening and matching are told by their own kinds
    statuses = (
        (Engagement.Status.PROPOSED, Engagement.Status.CHOSEN, Engagement.Status.DELIVERED)
        if to == Stage.WITHDRAWN
        else (Engagement.Status.CHOSEN, Engagement.Status.DELIVERED)
    )
    told = _people_of(member_state=request.owner_state) + _engaged_people(request, statuses)
    notify(NotificationKind.ASSISTANCE_STEP, recipients=told, about=request, actor=actor, stage=to)


# -- requests -----------------------------------------------------------------------------------------------------


@transaction.atomic
def create_request(*, actor: Any, member_state: Any, **values: Any) -> AssistanceRequest:
    """A member of ``member_state`` drafts a request on its behalf (private to the state until it is opened)."""
    if not _signed_in(actor) or actor.member_state_id is None:
        raise PermissionDenied(_("Only the people of a Member State ask for assistance, on its behalf."))
    if actor.member_state_id != member_state.pk:
        raise PermissionDenied(
            _("You can ask for assistance on behalf of %(own)s only, not of %(other)s.")
            % {"own": actor.member_state, "other": member_state}
        )
    request = AssistanceRequest(owner_state=member_state, created_by=actor, stage=Stage.DRAFT)
    request.lifecycle = Lifecycle.DRAFT
    _check_request_marking(AssistanceRequest(tlp=values.get("tlp", TLP.GREEN)))
    values.setdefault("tlp", TLP.GREEN)
    changes = _set(request, values, REQUEST_FIELDS, REQUEST_RELATIONS)
    search.refresh(request)
    audit.record(actor, "assistance_request.created", request, changes=changes)
    return request


@transaction.atomic
def update_request(request: AssistanceRequest, *, actor: Any, **values: Any) -> AssistanceRequest:
    """The requesting state changes its request while it is not closed or withdrawn."""
    request = AssistanceRequest.objects.select_for_update().get(pk=request.pk)
    if not may_act_for_request(actor, request):
        raise PermissionDenied(_("Only the people of the requesting Member State change its request."))
    if request.stage in (Stage.CLOSED, Stage.WITHDRAWN):
        raise ValidationError(_("A closed or withdrawn request cannot be changed."))
    if "tlp" in values:
        _check_request_marking(AssistanceRequest(tlp=values["tlp"]))
    changes = _set(request, values, REQUEST_FIELDS, REQUEST_RELATIONS)
    search.refresh(request)
    if changes:
        audit.record(actor, "assistance_request.changed", request, changes=changes)
    _outdate_translations(request, changes, actor=actor)
    return request


def _check_step(request: AssistanceRequest, to: str) -> None:
    """Raise, naming the possible steps, unless ``request`` may go to ``to`` now."""
    if to not in NEXT_STAGES[request.stage]:
        allowed = ", ".join(str(Stage(s).label) for s in NEXT_STAGES[request.stage]) or _("none: it is finished")
        raise ValidationError(
            _("A request that is %(stage)s cannot become %(to)s. Possible next steps: %(allowed)s.")
            % {"stage": Stage(request.stage).label, "to": Stage(to).label, "allowed": allowed}
        )


def _move(request: AssistanceRequest, to: str, *, actor: Any, comment: str = "") -> AssistanceRequest:
    """Take one step (the caller holds the row locked and has checked who acts)."""
    _check_step(request, to)
    now = timezone.now()
    StageChange.objects.create(
        request=request, from_stage=request.stage, to_stage=to, actor=actor, comment=comment, created_at=now
    )
    before = request.stage
    request.stage, request.stage_changed_at = to, now
    if request.hidden_at is None:
        request.lifecycle = LIFECYCLE_OF_STAGE[to]
    if to == Stage.OPEN and request.opened_at is None:
        request.opened_at = now
    request.save()
    _tell_step(request, to, actor=actor)
    audit.record(
        actor, "assistance_request.stage_changed", request, changes={"stage": [before, to], "comment": comment}
    )
    return request


def _locked(request: AssistanceRequest) -> AssistanceRequest:
    return AssistanceRequest.objects.select_for_update(of=("self",)).select_related("owner_state").get(pk=request.pk)


@transaction.atomic
def open_request(request: AssistanceRequest, *, actor: Any, comment: str = "") -> AssistanceRequest:
    """The state opens its request: from now on those its marking allows see it (no curator review)."""
    request = _locked(request)
    if not may_act_for_request(actor, request):
        raise PermissionDenied(_("Only the people of the requesting Member State open its request."))
    if not request.kinds:
        raise ValidationError({"kinds": _("Say what kind of help is needed before opening the request.")})
    opened = _move(request, Stage.OPEN, actor=actor, comment=comment)
    from clearinghouse.accounts import selectors as people
    from clearinghouse.accounts.models import NotificationKind
    from clearinghouse.accounts.services import notify

    notify(NotificationKind.ASSISTANCE_REQUEST_OPENED, recipients=people.curators(), about=opened, actor=actor)
    return opened


@transaction.atomic
def withdraw_request(request: AssistanceRequest, *, actor: Any, comment: str = "") -> AssistanceRequest:
    request = _locked(request)
    if not may_act_for_request(actor, request):
        raise PermissionDenied(_("Only the people of the requesting Member State withdraw its request."))
    return _move(request, Stage.WITHDRAWN, actor=actor, comment=comment)


@transaction.atomic
def hide_request(request: AssistanceRequest, *, actor: Any, reason: str) -> AssistanceRequest:
    """A curator hides an abusive request: only its state and the curators see it from now on."""
    if not getattr(actor, "is_curator", False):
        raise PermissionDenied(_("Only a curator hides a request."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the request is hidden: its state reads it.")})
    request = _locked(request)
    request.hidden_at, request.hidden_reason, request.lifecycle = timezone.now(), reason.strip(), Lifecycle.WITHDRAWN
    request.save(update_fields=["hidden_at", "hidden_reason", "lifecycle", "updated_at"])
    audit.record(actor, "assistance_request.hidden", request, changes={"reason": request.hidden_reason})
    return request


@transaction.atomic
def show_request(request: AssistanceRequest, *, actor: Any) -> AssistanceRequest:
    if not getattr(actor, "is_curator", False):
        raise PermissionDenied(_("Only a curator shows a hidden request again."))
    request = _locked(request)
    request.hidden_at, request.hidden_reason, request.lifecycle = None, "", LIFECYCLE_OF_STAGE[request.stage]
    request.save(update_fields=["hidden_at", "hidden_reason", "lifecycle", "updated_at"])
    audit.record(actor, "assistance_request.shown", request)
    return request


# -- offers -------------------------------------------------------------------------------------------------------


@transaction.atomic
def create_offer(*, actor: Any, owner: dict[str, Any], publish: bool = True, **values: Any) -> AssistanceOffer:
    """A state, an organization or the Secretariat offers help; ``owner`` is ``{"owner_state": …}`` or
    ``{"owner_organization": …}``."""
    offer = AssistanceOffer(created_by=actor, **owner)
    offer.lifecycle = Lifecycle.PUBLISHED if publish else Lifecycle.DRAFT
    if not may_act_for_offer(actor, offer):
        raise PermissionDenied(_("You can offer assistance on behalf of your own Member State or organization only."))
    values.setdefault("tlp", TLP.GREEN)
    if values["tlp"] == TLP.RED:
        raise ValidationError({"tlp": _("An offer is meant to be found: it cannot be TLP:RED.")})
    if values.get("available_until") and values["available_until"] < timezone.localdate():
        raise ValidationError({"available_until": _("An offer cannot end before today.")})
    changes = _set(offer, values, OFFER_FIELDS, OFFER_RELATIONS)
    search.refresh(offer)
    audit.record(actor, "assistance_offer.created", offer, changes=changes)
    return offer


@transaction.atomic
def update_offer(offer: AssistanceOffer, *, actor: Any, **values: Any) -> AssistanceOffer:
    offer = (
        AssistanceOffer.objects.select_for_update(of=("self",)).select_related("owner_organization").get(pk=offer.pk)
    )
    if not may_act_for_offer(actor, offer):
        raise PermissionDenied(_("Only the people of the offering state or organization change its offer."))
    if values.get("tlp") == TLP.RED:
        raise ValidationError({"tlp": _("An offer is meant to be found: it cannot be TLP:RED.")})
    if "capacity" in values and values["capacity"] < active_engagements(offer):
        raise ValidationError(
            {
                "capacity": _("The offer is engaged in %(n)s requests now: its capacity cannot be lower.")
                % {"n": active_engagements(offer)}
            }
        )
    changes = _set(offer, values, OFFER_FIELDS, OFFER_RELATIONS)
    search.refresh(offer)
    if changes:
        audit.record(actor, "assistance_offer.changed", offer, changes=changes)
    _outdate_translations(offer, changes, actor=actor)
    return offer


@transaction.atomic
def withdraw_offer(offer: AssistanceOffer, *, actor: Any) -> AssistanceOffer:
    offer = (
        AssistanceOffer.objects.select_for_update(of=("self",)).select_related("owner_organization").get(pk=offer.pk)
    )
    if not may_act_for_offer(actor, offer):
        raise PermissionDenied(_("Only the people of the offering state or organization withdraw its offer."))
    offer.lifecycle = Lifecycle.WITHDRAWN
    offer.save(update_fields=["lifecycle", "updated_at"])
    audit.record(actor, "assistance_offer.withdrawn", offer)
    return offer


def active_engagements(offer: AssistanceOffer) -> int:
    """The requests an offer is engaged in now: chosen and not yet delivered."""
    return offer.engagements.filter(status=Engagement.Status.CHOSEN).count()


def _check_available(offer: AssistanceOffer) -> None:
    if offer.lifecycle != Lifecycle.PUBLISHED:
        raise ValidationError(_("“%(offer)s” is not offered any more.") % {"offer": offer})
    if offer.available_until is not None and offer.available_until < timezone.localdate():
        raise ValidationError(
            _("“%(offer)s” was available until %(date)s.") % {"offer": offer, "date": offer.available_until}
        )
    if active_engagements(offer) >= offer.capacity:
        raise ValidationError(
            _("“%(offer)s” is at its capacity: %(n)s engagement(s) at once, all taken.")
            % {"offer": offer, "n": offer.capacity}
        )


# -- engagements ------------------------------------------------------------------------------------------------


@transaction.atomic
def propose(
    request: AssistanceRequest, offer: AssistanceOffer, *, actor: Any, score: dict[str, Any] | None = None
) -> Engagement:
    """A curator, or the offerer, puts an offer forward for a request both sides may see; an open request becomes
    matched."""
    request = _locked(request)
    offer = (
        AssistanceOffer.objects.select_for_update(of=("self",)).select_related("owner_organization").get(pk=offer.pk)
    )
    if not (getattr(actor, "is_curator", False) or may_act_for_offer(actor, offer)):
        raise PermissionDenied(_("A curator or the offerer puts an offer forward for a request."))
    if not request.is_visible_to(actor):
        raise PermissionDenied(_("You may not see this request."))
    if request.stage not in (Stage.OPEN, Stage.MATCHED):
        raise ValidationError(
            _("Offers are put forward for open requests; this one is %(stage)s.")
            % {"stage": Stage(request.stage).label}
        )
    if request.hidden_at is not None:
        raise ValidationError(_("This request is hidden by a curator."))
    _check_available(offer)
    engagement, created = Engagement.objects.get_or_create(
        request=request, offer=offer, defaults={"proposed_by": actor, "score": score or {}}
    )
    if not created:
        raise ValidationError(_("“%(offer)s” is put forward for this request already.") % {"offer": offer})
    audit.record(
        actor, "assistance_engagement.proposed", engagement, changes={"request": request.pk, "offer": offer.pk}
    )
    if request.stage == Stage.OPEN:
        _move(request, Stage.MATCHED, actor=actor, comment="")
    from clearinghouse.accounts.models import NotificationKind
    from clearinghouse.accounts.services import notify

    offerer = offer.owner_state or offer.owner_organization
    notify(
        NotificationKind.ASSISTANCE_OFFER_PROPOSED,
        recipients=_people_of(member_state=request.owner_state),
        about=request,
        actor=actor,
        offerer=str(offerer),
    )
    return engagement


@transaction.atomic
def choose(
    request: AssistanceRequest, offers: list[AssistanceOffer], *, actor: Any, comment: str = ""
) -> AssistanceRequest:
    """The requesting state chooses whom to work with among the offers put forward (several: its "Friends of"
    group); the others are declined, and the request is agreed."""
    request = _locked(request)
    if not may_act_for_request(actor, request):
        raise PermissionDenied(_("The requesting Member State chooses whom to work with."))
    if not offers:
        raise ValidationError(_("Choose at least one of the offers put forward."))
    engagements = {e.offer_id: e for e in request.engagements.select_for_update(of=("self",)).select_related("offer")}
    chosen_ids = {offer.pk for offer in offers}
    missing = chosen_ids - set(engagements)
    if missing:
        raise ValidationError(_("Only offers put forward for this request can be chosen."))
    _check_step(request, Stage.AGREED)
    now = timezone.now()
    for offer_id, engagement in engagements.items():
        if offer_id in chosen_ids:
            _check_available(AssistanceOffer.objects.select_for_update().get(pk=offer_id))
            engagement.status = Engagement.Status.CHOSEN
            if request.tlp == TLP.AMBER:  # a discreet request reaches the offerers the state chooses
                offer = engagement.offer
                if offer.owner_state is not None:
                    request.shared_with_states.add(offer.owner_state)
                elif offer.owner_organization is not None:
                    request.shared_with_organizations.add(offer.owner_organization)
        else:
            engagement.status = Engagement.Status.DECLINED
        engagement.decided_at = now
        engagement.save(update_fields=["status", "decided_at"])
    return _move(request, Stage.AGREED, actor=actor, comment=comment)


def _acts_for_delivery(actor: Any, request: AssistanceRequest) -> bool:
    if may_act_for_request(actor, request):
        return True
    chosen = request.engagements.filter(status=Engagement.Status.CHOSEN).select_related("offer__owner_organization")
    return any(may_act_for_offer(actor, engagement.offer) for engagement in chosen)


@transaction.atomic
def start_delivery(request: AssistanceRequest, *, actor: Any, comment: str = "") -> AssistanceRequest:
    request = _locked(request)
    if not _acts_for_delivery(actor, request):
        raise PermissionDenied(_("The requesting state or a chosen offerer starts the delivery."))
    return _move(request, Stage.IN_DELIVERY, actor=actor, comment=comment)


@transaction.atomic
def record_delivery(
    request: AssistanceRequest, *, actor: Any, offer: AssistanceOffer, delivered: str, comment: str = ""
) -> AssistanceRequest:
    """A chosen offerer records what it delivered; when every chosen offer has, the request is delivered."""
    request = _locked(request)
    engagement = request.engagements.select_for_update().filter(offer=offer, status=Engagement.Status.CHOSEN).first()
    if engagement is None:
        raise ValidationError(_("“%(offer)s” was not chosen for this request.") % {"offer": offer})
    if not (may_act_for_offer(actor, engagement.offer) or may_act_for_request(actor, request)):
        raise PermissionDenied(_("The offerer, or the requesting state, records what was delivered."))
    if request.stage != Stage.IN_DELIVERY:
        raise ValidationError(
            _("Delivery is recorded while the request is in delivery; it is %(stage)s.")
            % {"stage": Stage(request.stage).label}
        )
    if not delivered.strip():
        raise ValidationError({"delivered": _("Say what was delivered.")})
    engagement.status, engagement.delivered, engagement.delivered_at = (
        Engagement.Status.DELIVERED,
        delivered.strip(),
        timezone.now(),
    )
    engagement.save(update_fields=["status", "delivered", "delivered_at"])
    audit.record(actor, "assistance_engagement.delivered", engagement, changes={"delivered": engagement.delivered})
    if not request.engagements.filter(status=Engagement.Status.CHOSEN).exists():
        delivered_request = _move(request, Stage.DELIVERED, actor=actor, comment=comment)
        _record_assistance_delivered(delivered_request, actor=actor)
        return delivered_request
    return request


def _record_assistance_delivered(request: AssistanceRequest, *, actor: Any) -> None:
    """The assistance delivered, as an activity under the resolution's clause on assistance (so in the
    implementation report), from the day the last chosen offer was delivered: the state's closing only adds the
    outcome, and a request delivered but not yet closed is counted too."""
    from clearinghouse.mandates.models import ActivityKind
    from clearinghouse.mandates.services import record_activity

    record_activity(
        kind=ActivityKind.ASSISTANCE,
        title=request.title,
        source=request,
        actor=actor,
        states=[request.owner_state],
        language=request.language,
    )


@transaction.atomic
def close_request(
    request: AssistanceRequest,
    *,
    actor: Any,
    outcome: str,
    adopted_measures: list[Any] | None = None,
    feedback: str = "",
) -> AssistanceRequest:
    """The requesting state records the outcome (its own measures that came of the help) and its feedback (the
    assistance was recorded as delivered, an activity under the resolution's clause on assistance, at delivery)."""
    request = _locked(request)
    if not may_act_for_request(actor, request):
        raise PermissionDenied(_("The requesting Member State closes its request."))
    if not outcome.strip():
        raise ValidationError({"outcome": _("Say what came of the assistance.")})
    adopted = list(adopted_measures or [])
    foreign = [m for m in adopted if m.owner_state_id != request.owner_state_id]
    if foreign:
        raise ValidationError({"adopted_measures": _("Only the state's own measures can be recorded as adopted.")})
    closed = _move(request, Stage.CLOSED, actor=actor, comment=outcome)
    closed.outcome, closed.feedback = outcome.strip(), feedback.strip()
    closed.save(update_fields=["outcome", "feedback", "updated_at"])
    closed.adopted_measures.set(adopted)
    search.refresh(closed)  # the outcome is found too
    from clearinghouse.mandates.models import Activity, ActivityKind

    recorded = Activity.objects.filter(
        kind=ActivityKind.ASSISTANCE, source_type=closed._meta.label_lower, source_id=str(closed.pk)
    )
    if not recorded.exists():  # delivered before the activity was recorded at delivery: recorded now, once
        _record_assistance_delivered(closed, actor=actor)
    return closed


# -- translations (the catalogue's: ``catalog.services.set_translation``, outdating, XLIFF) --------------------------


def may_translate_request(actor: Any, request: AssistanceRequest) -> bool:
    """The people of the requesting state translate its request; a curator, any request they may see."""
    if may_act_for_request(actor, request):
        return True
    return bool(_signed_in(actor) and actor.is_curator and request.is_visible_to(actor))


def may_translate_offer(actor: Any, offer: AssistanceOffer) -> bool:
    """The people of the offering state or organization translate its offer; a curator, any offer they may see."""
    if may_act_for_offer(actor, offer):
        return True
    return bool(_signed_in(actor) and actor.is_curator and offer.is_visible_to(actor))


def _translations_changed(record: AssistanceRequest | AssistanceOffer) -> None:
    """Called once a translation of ``record`` was saved or deleted (by the form, the API, an XLIFF file or the
    demo data), in the same transaction: the one place what depends on a record's translations (its search words)
    is brought up to date."""
    search.refresh(record)


def _outdate_translations(record: Any, changes: dict[str, Any], *, actor: Any) -> None:
    """A change of a translated text outdates the translations made from the older text (their translators are
    told); one changed back makes them current again."""
    from clearinghouse.catalog.services import refresh_outdated_translations

    translated = type(record).translations.rel.related_model.TRANSLATED_FIELDS
    if set(changes) & set(translated):
        refresh_outdated_translations(record, actor=actor)


def _translate(record: Any, allowed: Any, refused: str, *, actor: Any, language: str, **given: Any) -> Any:
    from clearinghouse.catalog.services import set_translation

    if actor is not None and not allowed(actor, record):
        raise PermissionDenied(refused)
    if language == record.language:
        raise ValidationError(
            {
                "language": _("The text is written in %(language)s: a translation is into another language.")
                % {"language": record.get_language_display()}
            }
        )
    return set_translation(record, actor=actor, language=language, allowed=allowed, **given)


@transaction.atomic
def set_request_translation(
    request: AssistanceRequest, *, actor: Any, language: str, quality: str, translator: str = "", **texts: str
) -> AssistanceRequestTranslation:
    """Add or replace the request's title and need in another language, saying how they were made (``actor=None``:
    the demo data's illustrative translations)."""
    return _translate(
        request,
        may_translate_request,
        _("Only the people of the requesting Member State or a curator translate its request."),
        actor=actor,
        language=language,
        quality=quality,
        translator=translator,
        **texts,
    )


@transaction.atomic
def set_offer_translation(
    offer: AssistanceOffer, *, actor: Any, language: str, quality: str, translator: str = "", **texts: str
) -> AssistanceOfferTranslation:
    """Add or replace the offer's title, description and past engagements in another language."""
    return _translate(
        offer,
        may_translate_offer,
        _("Only the people of the offering state or organization or a curator translate its offer."),
        actor=actor,
        language=language,
        quality=quality,
        translator=translator,
        **texts,
    )
