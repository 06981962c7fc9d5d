"""Pages of the assistance clearinghouse: requests and offers, their lists and counts, and every step of a request
(docs/assistance.md). Each step is one service; a refusal is a 403 with the service's message, a step out of order
or a bad value a 400 naming the problem, and nothing is changed."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from clearinghouse.assistance import matching, search, selectors, services, translations
from clearinghouse.assistance.filters import SEEKING, AssistanceOfferFilterSet, AssistanceRequestFilterSet
from clearinghouse.assistance.forms import (
    AssistanceOfferForm,
    AssistanceRequestForm,
    ChooseForm,
    CloseForm,
    CommentForm,
    DeliveryForm,
    HideForm,
    OfferTranslationForm,
    ProposeForm,
    RequestTranslationForm,
    owners_for,
)
from clearinghouse.assistance.models import (
    NEXT_STAGES,
    AssistanceOffer,
    AssistanceRequest,
    Engagement,
    Stage,
)
from clearinghouse.catalog.selectors import measures_visible_to
from clearinghouse.core import pagecache
from clearinghouse.core.http import Request
from clearinghouse.core.paging import OnePassPaginator, among
from clearinghouse.core.visibility import Lifecycle

PER_PAGE = 25


def _page(request: Request, queryset: Any, *, searched_among: Any = None) -> tuple[Any, str]:
    """The page asked for, and the query string of the other pages' links. A list a search narrowed is read in one
    pass (``core.paging``), its page's records from ``searched_among``, the list before the search."""
    if searched_among is None:
        paginator: Paginator = Paginator(queryset, PER_PAGE)
    else:
        paginator = OnePassPaginator(queryset, PER_PAGE, records=searched_among)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


def _quote_matches(filterset: Any, page: Any) -> None:
    """On a search, each record of the page with the passage its words were found in, highlighted, in that
    passage's language (``search.with_snippets``)."""
    words = filterset.form.cleaned_data.get("q")
    if not words:
        return
    page.object_list = list(page.object_list)
    prefetch_related_objects(page.object_list, "translations")
    search.with_snippets(page.object_list, words, get_language())


def home(request: Request) -> HttpResponse:
    """The requests the reader may see, looking for help unless another stage is chosen, and their counts."""
    data = request.GET.copy()
    data.setdefault("stage", SEEKING)
    visible = selectors.requests_for_list(request.user)
    filterset = AssistanceRequestFilterSet(data, queryset=visible)
    if not filterset.is_valid():
        context: dict[str, Any] = {"filter": filterset, "page": None, "counts": None}
        return render(request, "assistance/home.html", context, status=400)
    searched = bool(filterset.form.cleaned_data.get("q"))
    page, query = _page(request, filterset.qs, searched_among=visible if searched else None)
    _quote_matches(filterset, page)
    # the counts of what is listed: after a search, of the ids the list read, not found again
    listed = among(AssistanceRequest.objects.all(), page.paginator.ids) if searched else filterset.qs
    asked = sorted((name, values) for name, values in data.lists() if name != "page")
    counts = pagecache.kept_for_reader(request, "assistance-counts", lambda: selectors.counts(listed), asked)
    context = {"filter": filterset, "page": page, "query": query, "counts": counts}
    if request.htmx and not request.htmx.boosted:
        return render(request, "assistance/_request_results.html", context)
    # what became of every request the reader may see (not only those listed): real and illustrative apart
    context["figures"] = pagecache.kept_for_reader(
        request, "assistance-figures", lambda: selectors.figures_for(request.user)
    )
    return render(request, "assistance/home.html", context)


def _get_request(request: Request, pk: int) -> AssistanceRequest:
    try:
        return selectors.request_detail(request.user, pk)
    except AssistanceRequest.DoesNotExist:
        raise Http404(_("There is no request at this address, or you may not see it.")) from None


def _may(user: Any, item: AssistanceRequest) -> dict[str, bool]:
    """Which step forms the page offers this reader (the services decide again when one is sent)."""
    own = services.may_act_for_request(user, item)
    curator = bool(getattr(user, "is_curator", False))
    chosen = [e for e in item.engagements.all() if e.status == Engagement.Status.CHOSEN]
    offerer = any(services.may_act_for_offer(user, e.offer) for e in chosen)
    able = item.hidden_at is None
    return {
        "edit": own and item.stage not in (Stage.CLOSED, Stage.WITHDRAWN),
        "open": own and item.stage == Stage.DRAFT,
        "withdraw": own and Stage.WITHDRAWN in NEXT_STAGES[item.stage],
        "propose": able and item.stage in (Stage.OPEN, Stage.MATCHED),
        "choose": own and item.stage == Stage.MATCHED,
        "start_delivery": (own or offerer) and item.stage == Stage.AGREED,
        "record_delivery": (own or offerer) and item.stage == Stage.IN_DELIVERY,
        "close": own and item.stage == Stage.DELIVERED,
        "hide": curator and able and item.stage != Stage.DRAFT,
        "show": curator and not able,
    }


def _detail(request: Request, item: AssistanceRequest, *, status: int = 200, **bound: Any) -> HttpResponse:
    user = request.user
    visible_offers = set(
        selectors.offers_visible_to(user).filter(engagements__request=item).values_list("pk", flat=True)
    )
    engagements = [(e, e.offer_id in visible_offers) for e in item.engagements.all()]
    may = _may(user, item)
    proposable = selectors.offers_one_may_propose(user, item) if may["propose"] else AssistanceOffer.objects.none()
    may["propose"] = may["propose"] and proposable.exists()
    # the offers that fit best, explained line by line, for those who put offers forward (a curator, an offerer)
    fitting = matching.rank(item, viewer=user, limit=10) if may["propose"] and item.hidden_at is None else []
    context = {
        "fitting": fitting,
        "item": item,
        "may": may,
        "engagements": engagements,
        "proposed": [e for e, seen in engagements if seen and e.status == Engagement.Status.PROPOSED],
        "chosen": [
            e
            for e, seen in engagements
            if seen
            and e.status == Engagement.Status.CHOSEN
            and (services.may_act_for_offer(user, e.offer) or services.may_act_for_request(user, item))
        ],
        "friends": [
            e.offer
            for e, seen in engagements
            if seen and e.status in (Engagement.Status.CHOSEN, Engagement.Status.DELIVERED)
        ],
        "steps": list(item.stage_changes.all()),
        "comment_forms": {
            action: bound.get("comment_form")
            if bound.get("action") == action
            else CommentForm(auto_id=f"id_{action}_%s")
            for action in ("open", "choose", "start_delivery", "withdraw")
        },
        "propose_form": bound.get("propose_form") or ProposeForm(offers=proposable),
        "choose_form": bound.get("choose_form") or ChooseForm(),
        "delivery_form": bound.get("delivery_form") or DeliveryForm(),
        "close_form": bound.get("close_form")
        or (CloseForm(measures=selectors.adoptable_measures(user, item)) if may["close"] else None),
        "hide_form": bound.get("hide_form") or HideForm(),
        "error": bound.get("error"),
        "sharing": may["edit"] or services.may_act_for_request(user, item),
        **_translation_context(request, item, services.may_translate_request(user, item)),
    }
    return render(request, "assistance/request_detail.html", context, status=status)


def _translation_context(request: Request, record: Any, may_translate: bool) -> dict[str, Any]:
    """The texts in the reader's language where a translation gives them ("?original=1": the original), and the
    translation status of each language."""
    return {
        "shown": translations.shown(record, original=bool(request.GET.get("original"))),
        "translation_status": translations.status(record),
        "may_translate": may_translate,
    }


def _translation_form(request: Request, record: Any, form_class: Any, save: Any) -> HttpResponse:
    """Add or correct a translation of a request or an offer (the service decides who may, and refuses a
    translation into the record's own language)."""
    language = request.GET.get("language", "")
    existing = translations.translation_into(record, language) if language else None
    initial = {"language": language}
    if existing is not None:
        initial.update({name: getattr(existing, name) for name in existing.TRANSLATED_FIELDS})
        initial.update(quality=existing.quality, translator=existing.translator)
    form = form_class(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            save(record, actor=request.user, language=data.pop("language"), quality=data.pop("quality"), **data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The translation is saved."))
            return redirect(record)
    status = 400 if form.errors else 200
    return render(request, "assistance/translation_form.html", {"record": record, "form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def request_translation(request: Request, pk: int) -> HttpResponse:
    item = _get_request(request, pk)
    if not services.may_translate_request(request.user, item):
        raise PermissionDenied(_("Only the people of the requesting Member State or a curator translate its request."))
    return _translation_form(request, item, RequestTranslationForm, services.set_request_translation)


def request_detail(request: Request, pk: int) -> HttpResponse:
    return _detail(request, _get_request(request, pk))


def _step(request: Request, item: AssistanceRequest, action: str) -> tuple[Any, str, dict[str, Any]]:
    """Read the step's form and take it: answers (the form, the message on success, the form's name)."""
    user, post = request.user, request.POST
    visible_offers = selectors.offers_visible_to(user)
    if action in ("open", "withdraw", "start_delivery"):
        form = CommentForm(post)
        function = {
            "open": services.open_request,
            "withdraw": services.withdraw_request,
            "start_delivery": services.start_delivery,
        }[action]
        done = {
            "open": _("The request is open: those its marking allows can see it and offer help."),
            "withdraw": _("The request is withdrawn."),
            "start_delivery": _("The delivery has started."),
        }[action]
        if form.is_valid():
            function(item, actor=user, comment=form.cleaned_data["comment"])
        return form, done, {"comment_form": form}
    if action == "propose":
        propose = ProposeForm(post, offers=visible_offers.filter(lifecycle=Lifecycle.PUBLISHED))
        if propose.is_valid():
            services.propose(item, propose.cleaned_data["offer"], actor=user)
        return propose, _("The offer is put forward: the requesting state chooses."), {"propose_form": propose}
    if action == "choose":
        choose = ChooseForm(post, offers=visible_offers)
        if choose.is_valid():
            offers = list(choose.cleaned_data["offers"])
            services.choose(item, offers, actor=user, comment=choose.cleaned_data["comment"])
        return choose, _("Agreed: the offers chosen are told, the others declined."), {"choose_form": choose}
    if action == "record_delivery":
        delivery = DeliveryForm(post, offers=visible_offers)
        if delivery.is_valid():
            data = delivery.cleaned_data
            services.record_delivery(
                item, actor=user, offer=data["offer"], delivered=data["delivered"], comment=data["comment"]
            )
        return delivery, _("What was delivered is recorded."), {"delivery_form": delivery}
    if action == "close":
        close = CloseForm(post, measures=measures_visible_to(user))
        if close.is_valid():
            data = close.cleaned_data
            services.close_request(
                item,
                actor=user,
                outcome=data["outcome"],
                adopted_measures=list(data["adopted_measures"]),
                feedback=data["feedback"],
            )
        return close, _("The request is closed with its outcome."), {"close_form": close}
    if action == "hide":
        hide = HideForm(post)
        if hide.is_valid():
            services.hide_request(item, actor=user, reason=hide.cleaned_data["reason"])
        return hide, _("The request is hidden: only its state and the curators see it."), {"hide_form": hide}
    services.show_request(item, actor=user)
    return None, _("The request is shown again."), {}


STEPS = {"open", "withdraw", "propose", "choose", "start_delivery", "record_delivery", "close", "hide", "show"}


@login_required
@require_POST
def request_step(request: Request, pk: int, action: str) -> HttpResponse:
    if action not in STEPS:
        raise Http404
    item = _get_request(request, pk)
    try:
        form, done, bound = _step(request, item, action)
    except ValidationError as error:
        return _detail(request, item, status=400, error=error.messages)
    if form is not None and not form.is_valid():
        errors = [str(e) for field_errors in form.errors.values() for e in field_errors]
        return _detail(request, item, status=400, error=errors, action=action, **bound)
    messages.success(request, done)
    return redirect(item)


def _request_form(request: Request, item: AssistanceRequest | None) -> HttpResponse:
    user = request.user
    measures = measures_visible_to(user).order_by("title")
    initial = {"member_state": user.member_state} if item is None else {}
    form = AssistanceRequestForm(
        request.POST or None, instance=item or AssistanceRequest(), measures=measures, initial=initial
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                if item is None:
                    state = form.cleaned_data.get("member_state") or user.member_state
                    item = services.create_request(actor=user, member_state=state, **form.service_fields())
                    messages.success(request, _("The draft is saved. Open it when it is ready: no review is needed."))
                else:
                    services.update_request(item, actor=user, **form.service_fields())
                    messages.success(request, _("The request is saved."))
                return redirect(item)
            except ValidationError as error:
                form.add_error(None, error)
    return render(request, "assistance/request_form.html", {"form": form, "item": item}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def request_create(request: Request) -> HttpResponse:
    if not request.user.member_state_id:
        raise PermissionDenied(_("Only the people of a Member State ask for assistance, on its behalf."))
    return _request_form(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def request_edit(request: Request, pk: int) -> HttpResponse:
    item = _get_request(request, pk)
    if not services.may_act_for_request(request.user, item):
        raise PermissionDenied(_("Only the people of the requesting Member State change its request."))
    return _request_form(request, item)


# -- offers -------------------------------------------------------------------------------------------------------


def offer_list(request: Request) -> HttpResponse:
    visible = selectors.offers_for_list(request.user).filter(lifecycle=Lifecycle.PUBLISHED)
    filterset = AssistanceOfferFilterSet(request.GET, queryset=visible)
    if not filterset.is_valid():
        return render(request, "assistance/offer_list.html", {"filter": filterset, "page": None}, status=400)
    searched = bool(filterset.form.cleaned_data.get("q"))
    page, query = _page(request, filterset.qs, searched_among=visible if searched else None)
    _quote_matches(filterset, page)
    own = selectors.own_offers(request.user)
    context = {"filter": filterset, "page": page, "query": query, "own": own}
    if request.htmx and not request.htmx.boosted:
        return render(request, "assistance/_offer_results.html", context)
    return render(request, "assistance/offer_list.html", context)


def _get_offer(request: Request, pk: int) -> AssistanceOffer:
    try:
        return selectors.offer_detail(request.user, pk)
    except AssistanceOffer.DoesNotExist:
        raise Http404(_("There is no offer at this address, or you may not see it.")) from None


def offer_detail(request: Request, pk: int) -> HttpResponse:
    offer = _get_offer(request, pk)
    context = {
        "offer": offer,
        "can_act": services.may_act_for_offer(request.user, offer) and offer.lifecycle != Lifecycle.WITHDRAWN,
        "engagements": selectors.engagements_of_offer(offer, request.user),
        "active": services.active_engagements(offer),
        # its people see the open requests that fit it best, explained (among those they may see)
        "fitting": matching.requests_for_offer(offer, viewer=request.user, limit=10)
        if services.may_act_for_offer(request.user, offer)
        else [],
        **_translation_context(request, offer, services.may_translate_offer(request.user, offer)),
    }
    return render(request, "assistance/offer_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def offer_translation(request: Request, pk: int) -> HttpResponse:
    offer = _get_offer(request, pk)
    if not services.may_translate_offer(request.user, offer):
        raise PermissionDenied(
            _("Only the people of the offering state or organization or a curator translate its offer.")
        )
    return _translation_form(request, offer, OfferTranslationForm, services.set_offer_translation)


def _offer_form(request: Request, offer: AssistanceOffer | None) -> HttpResponse:
    user = request.user
    owners = owners_for(user) if offer is None else None
    if offer is None and user.is_curator:
        owners = [("org:itu", _("The ITU Secretariat")), *[o for o in owners or [] if o[0] != "org:itu"]]
    form = AssistanceOfferForm(request.POST or None, instance=offer or AssistanceOffer(), owners=owners)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                if offer is None:
                    owner = form.cleaned_data["on_behalf_of"]
                    offer = services.create_offer(actor=user, owner=owner, **form.service_fields())
                    messages.success(request, _("The offer is published to those its marking allows."))
                else:
                    services.update_offer(offer, actor=user, **form.service_fields())
                    messages.success(request, _("The offer is saved."))
                return redirect(offer)
            except ValidationError as error:
                form.add_error(None, error)
    return render(request, "assistance/offer_form.html", {"form": form, "offer": offer}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def offer_create(request: Request) -> HttpResponse:
    if not (request.user.member_state_id or request.user.organization_id):
        raise PermissionDenied(_("You can offer assistance on behalf of your own Member State or organization only."))
    return _offer_form(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def offer_edit(request: Request, pk: int) -> HttpResponse:
    offer = _get_offer(request, pk)
    if not services.may_act_for_offer(request.user, offer):
        raise PermissionDenied(_("Only the people of the offering state or organization change its offer."))
    return _offer_form(request, offer)


@login_required
@require_POST
def offer_withdraw(request: Request, pk: int) -> HttpResponse:
    offer = _get_offer(request, pk)
    services.withdraw_offer(offer, actor=request.user)
    messages.success(request, _("The offer is withdrawn: it can no longer be put forward."))
    return redirect(offer)
