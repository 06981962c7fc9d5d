"""Pages of Member States and organizations."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from clearinghouse.accounts.selectors import may_see_members
from clearinghouse.core.http import Request
from clearinghouse.core.pagecache import kept_rendering
from clearinghouse.countries import profile, selectors, services
from clearinghouse.countries.filters import ContactFilterSet, MemberStateFilterSet, OrganizationFilterSet
from clearinghouse.countries.forms import ContactForm, MemberStateProfileForm, RoundForm
from clearinghouse.countries.models import Contact, MemberState, Organization, ReachabilityRound


def _filtered_list(
    request: Request,
    filterset: MemberStateFilterSet | OrganizationFilterSet | ContactFilterSet,
    template: str,
    partial: str,
    per_page: int = 50,
) -> HttpResponse:
    if not filterset.is_valid():
        return render(request, template, {"filter": filterset, "page": None}, status=400)
    page = Paginator(filterset.qs, per_page).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"filter": filterset, "page": page, "query": query.urlencode()}
    if request.htmx and not request.htmx.boosted:
        return render(request, partial, context)
    return render(request, template, context)


def member_state_list(request: Request) -> HttpResponse:
    filterset = MemberStateFilterSet(request.GET, queryset=selectors.member_states())
    return _filtered_list(
        request,
        filterset,
        "countries/member_state_list.html",
        "countries/_member_state_table.html",
        per_page=200,
    )


def member_state_detail(request: Request, alpha2: str) -> HttpResponse:
    try:
        state = selectors.member_state(alpha2)
    except MemberState.DoesNotExist:
        raise Http404(_("No Member State has the code %(code)s.") % {"code": alpha2}) from None

    def context() -> dict[str, Any]:
        return {
            "state": state,
            "groups": selectors.development_groups().filter(members=state),
            "former_memberships": selectors.former_memberships(state),
            "organizations": selectors.organizations().filter(country=state),
            "can_edit": services.can_act_for_state(request.user, state),
            "can_see_members": may_see_members(request.user, member_state=state),
            # what the apps above show of the state (its measures, its requests and offers), by the one access rule
            "sections": profile.rendered_sections(request, state),
        }

    # the body kept for this reader until a record changes, as each section is (a member reads it again and again);
    # the contacts apart, their forms carry this session's CSRF token
    body = kept_rendering(request, "member-state", "countries/_member_state_body.html", context, state.pk)
    contacts = {
        "contacts": selectors.contacts_of(state, request.user),
        "can_manage_contacts": services.can_manage_contacts(request.user, state),
    }
    return render(request, "countries/member_state_detail.html", {"state": state, "body": body, **contacts})


@login_required
@require_http_methods(["GET", "POST"])
def member_state_profile_edit(request: Request, alpha2: str) -> HttpResponse:
    try:
        state = selectors.member_state(alpha2)
    except MemberState.DoesNotExist:
        raise Http404 from None
    if not services.can_act_for_state(request.user, state):
        raise PermissionDenied(_("Only a focal point of %(state)s can update its profile.") % {"state": state.name})
    form = MemberStateProfileForm(
        request.POST or None,
        instance=MemberState(**{field: getattr(state, field) for field in services.PROFILE_FIELDS}),
    )
    if request.method == "POST":
        if not form.is_valid():
            return render(
                request,
                "countries/member_state_profile_form.html",
                {"state": state, "form": form},
                status=400,
            )
        services.update_member_state_profile(
            state,
            actor=request.user,
            **{field: form.cleaned_data[field] for field in services.PROFILE_FIELDS},
        )
        messages.success(request, _("The profile of %(state)s is updated.") % {"state": state.name})
        return redirect(state)
    return render(request, "countries/member_state_profile_form.html", {"state": state, "form": form})


def organization_list(request: Request) -> HttpResponse:
    filterset = OrganizationFilterSet(request.GET, queryset=selectors.organizations())
    return _filtered_list(request, filterset, "countries/organization_list.html", "countries/_organization_table.html")


def organization_detail(request: Request, slug: str) -> HttpResponse:
    try:
        organization = selectors.organizations().get(slug=slug)
    except Organization.DoesNotExist:
        raise Http404 from None
    context = {
        "organization": organization,
        "contacts": selectors.contacts_of(organization, request.user),
        "can_manage_contacts": services.can_manage_contacts(request.user, organization),
        "can_see_members": may_see_members(request.user, organization=organization),
        # what the apps above show of it (its measures, its offers), by the one access rule
        "sections": profile.rendered_sections(request, organization),
    }
    return render(request, "countries/organization_detail.html", context)


# -- points of contact ----------------------------------------------------------------------------------


@login_required
def contact_directory(request: Request) -> HttpResponse:
    """Every point of contact the reader may see, by state or organization and function."""
    queryset = selectors.contacts_visible_to(request.user).order_by(
        "owner_state__name_en", "owner_organization__name", "function", "name", "pk"
    )
    filterset = ContactFilterSet(request.GET, queryset=queryset)
    return _filtered_list(request, filterset, "countries/contact_directory.html", "countries/_contact_table.html")


def _owner_of(request: Request, alpha2: str | None, slug: str | None) -> MemberState | Organization:
    try:
        if alpha2 is not None:
            return selectors.member_state(alpha2)
        return selectors.organizations().get(slug=slug)
    except (MemberState.DoesNotExist, Organization.DoesNotExist):
        raise Http404 from None


def _managed_contact(request: Request, pk: int) -> Contact:
    """A contact the reader may see and keep (404 for one they may not see: its existence is not told)."""
    try:
        contact = selectors.contacts_visible_to(request.user).get(pk=pk)
    except Contact.DoesNotExist:
        raise Http404 from None
    services.refuse_unless_manager(request.user, contact.owner)
    return contact


@login_required
@require_http_methods(["GET", "POST"])
def contact_add(request: Request, alpha2: str | None = None, slug: str | None = None) -> HttpResponse:
    owner = _owner_of(request, alpha2, slug)
    services.refuse_unless_manager(request.user, owner)
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        contact = services.add_contact(owner, actor=request.user, **form.values())
        messages.success(request, _("%(name)s is in the directory.") % {"name": contact.name})
        return redirect(owner)
    status = 400 if request.method == "POST" else 200
    return render(request, "countries/contact_form.html", {"owner": owner, "form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def contact_edit(request: Request, pk: int) -> HttpResponse:
    contact = _managed_contact(request, pk)
    form = ContactForm(request.POST or None, instance=contact)
    if request.method == "POST" and form.is_valid():
        services.update_contact(contact, actor=request.user, **form.values())
        messages.success(request, _("The details of %(name)s are updated.") % {"name": form.cleaned_data["name"]})
        return redirect(contact.owner)
    context = {"owner": contact.owner, "form": form, "contact": contact}
    return render(request, "countries/contact_form.html", context, status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["POST"])
def contact_remove(request: Request, pk: int) -> HttpResponse:
    contact = _managed_contact(request, pk)
    owner, name = contact.owner, contact.name
    services.remove_contact(contact, actor=request.user)
    messages.success(request, _("%(name)s is no longer in the directory.") % {"name": name})
    return redirect(owner)


# -- reachability rounds --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def round_list(request: Request) -> HttpResponse:
    """The rounds so far, and the form that starts one."""
    services.refuse_unless_curator(request.user)
    form = RoundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            round_ = services.start_round(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            count = round_.checks.count()
            messages.success(
                request,
                ngettext(
                    "The round is started: %(count)s contact is being asked.",
                    "The round is started: %(count)s contacts are being asked.",
                    count,
                )
                % {"count": count},
            )
            return redirect(round_)
    page = Paginator(selectors.rounds(), 50).get_page(request.GET.get("page"))
    status = 400 if request.method == "POST" else 200
    return render(request, "countries/round_list.html", {"form": form, "page": page, "query": ""}, status=status)


@login_required
def round_detail(request: Request, pk: int) -> HttpResponse:
    services.refuse_unless_curator(request.user)
    try:
        round_ = selectors.rounds().get(pk=pk)
    except ReachabilityRound.DoesNotExist:
        raise Http404 from None
    context = {
        "round": round_,
        "summary": selectors.round_summary(round_),
        "checks": selectors.round_checks(round_),
    }
    return render(request, "countries/round_detail.html", context)


@login_required
@require_http_methods(["POST"])
def round_send_again(request: Request, pk: int) -> HttpResponse:
    services.refuse_unless_curator(request.user)
    try:
        round_ = ReachabilityRound.objects.get(pk=pk)
    except ReachabilityRound.DoesNotExist:
        raise Http404 from None
    count = services.send_again(round_, actor=request.user)
    messages.success(
        request,
        ngettext(
            "A new link is on its way to %(count)s contact.", "A new link is on its way to %(count)s contacts.", count
        )
        % {"count": count},
    )
    return redirect(round_)


@require_http_methods(["GET", "POST"])
def confirm_reachability(request: Request, token: str) -> HttpResponse:
    """The contact's one-time link: a page that asks them to confirm (a link checker that follows the link
    changes nothing), and the confirmation."""
    try:
        check = services.check_for_link(token)
    except services.LinkProblem as problem:
        status = 410 if problem.kind == "expired" else 404
        return render(request, "countries/confirm_reachability.html", {"problem": problem.kind}, status=status)
    if request.method == "POST":
        check = services.confirm_reachability(token)
        return render(request, "countries/confirm_reachability.html", {"check": check, "done": True})
    return render(request, "countries/confirm_reachability.html", {"check": check})
