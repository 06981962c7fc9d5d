"""Pages of Member States and organizations."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from clearinghouse.core.http import Request
from clearinghouse.countries import selectors, services
from clearinghouse.countries.filters import MemberStateFilterSet, OrganizationFilterSet
from clearinghouse.countries.forms import MemberStateProfileForm
from clearinghouse.countries.models import MemberState, Organization


def _filtered_list(
    request: Request,
    filterset: MemberStateFilterSet | OrganizationFilterSet,
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
    context = {
        "state": state,
        "groups": selectors.development_groups().filter(members=state),
        "organizations": selectors.organizations().filter(country=state),
        "can_edit": services.can_act_for_state(request.user, state),
    }
    return render(request, "countries/member_state_detail.html", context)


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
    return render(request, "countries/organization_detail.html", {"organization": organization})
