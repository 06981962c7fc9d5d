"""Signing in and out, two-factor authentication, password reset, API tokens, invitations and the members of
a state or organization."""

from __future__ import annotations

import base64
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from clearinghouse.accounts import selectors, services
from clearinghouse.accounts.forms import (
    AcceptInvitationForm,
    ApiTokenForm,
    InvitationForm,
    LanguageTaggedPasswordResetForm,
    MemberPositionForm,
    NotificationPreferencesForm,
    TotpCodeForm,
    TotpReplacementForm,
)
from clearinghouse.accounts.models import Delivery, Invitation, NotificationKind, Position, Role, User
from clearinghouse.accounts.selectors import InvitationLinkError
from clearinghouse.core.http import Request
from clearinghouse.core.views import invalid_query
from clearinghouse.countries import selectors as countries
from clearinghouse.countries.models import MemberState, Organization


def _next_url(request: Request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("accounts:account")


class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        services.remember_language(form.get_user(), translation.get_language())
        return response


class SignOutView(auth_views.LogoutView):
    next_page = reverse_lazy("web:home")  # type: ignore[assignment]


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    form_class = LanguageTaggedPasswordResetForm
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


@login_required
def account(request: Request) -> HttpResponse:
    return render(
        request,
        "accounts/account.html",
        {
            "tokens": selectors.api_tokens_of(request.user),
            "has_two_factor": selectors.confirmed_totp_device(request.user) is not None,
            "token_form": ApiTokenForm(),
        },
    )


@login_required
@require_POST
def api_token_create(request: Request) -> HttpResponse:
    form = ApiTokenForm(request.POST)
    if form.is_valid():
        try:
            token, key = services.create_api_token(actor=request.user, name=form.cleaned_data["name"])
        except ValidationError as error:
            form.add_error("name", error)
        else:
            return render(request, "accounts/api_token_created.html", {"token": token, "key": key}, status=201)
    return render(
        request,
        "accounts/account.html",
        {
            "tokens": selectors.api_tokens_of(request.user),
            "has_two_factor": selectors.confirmed_totp_device(request.user) is not None,
            "token_form": form,
        },
        status=400,
    )


@login_required
@require_POST
def api_token_revoke(request: Request, pk: int) -> HttpResponse:
    token = selectors.api_tokens_of(request.user).filter(pk=pk).first()
    if token is None:
        raise Http404(_("You have no such token."))
    services.revoke_api_token(token, actor=request.user)
    messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("accounts:account")


def _qr_data_uri(text: str) -> str:
    # a standalone SVG document (with its namespace): an inline fragment does not render as an image
    return segno.make(text, error="m").svg_data_uri(scale=4, dark="#000", light="#fff")


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: Request) -> HttpResponse:
    replacing = selectors.has_confirmed_totp_device(request.user)
    if replacing and not request.user.is_verified():
        # the password alone never reaches enrolment over a confirmed authenticator
        return redirect(f"{reverse('accounts:two_factor_verify')}?{urlencode({'next': request.get_full_path()})}")
    form_class = TotpReplacementForm if replacing else TotpCodeForm
    device = selectors.pending_totp_device(request.user)
    if request.method == "GET" or device is None:
        device = services.start_totp_enrollment(actor=request.user)
        form = form_class()
    else:
        form = form_class(request.POST)
        if form.is_valid():
            try:
                confirmed = services.confirm_totp_enrollment(
                    device,
                    form.cleaned_data["code"],
                    actor=request.user,
                    current_code=form.cleaned_data.get("current_code", ""),
                )
            except services.TooManyWrongCodes:
                form.add_error("code", _("Too many wrong codes. Wait a little before trying again."))
            except services.WrongCurrentCode:
                form.add_error(
                    "current_code", _("That is not the code your current authenticator shows. Try the next one.")
                )
            else:
                if confirmed:
                    otp_login(request, device)
                    messages.success(request, _("Two-factor authentication is on for your account."))
                    return redirect(_next_url(request))
                form.add_error("code", _("That code is not the one your authenticator shows now. Try the next one."))
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    context = {
        "form": form,
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "qr": _qr_data_uri(device.config_url),
        "next": _next_url(request),
        "replacing": replacing,
    }
    return render(request, "accounts/two_factor_setup.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: Request) -> HttpResponse:
    device = selectors.confirmed_totp_device(request.user)
    if device is None:
        return redirect(f"{reverse('accounts:two_factor_setup')}?next={_next_url(request)}")
    form = TotpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed, _details = device.verify_is_allowed()
        if allowed and device.verify_token(form.cleaned_data["code"]):
            otp_login(request, device)
            return redirect(_next_url(request))
        if not allowed:
            form.add_error("code", _("Too many wrong codes. Wait a little before trying again."))
        else:
            form.add_error("code", _("That code is not right. Check your authenticator and try again."))
    status = 400 if form.errors else 200
    return render(request, "accounts/two_factor_verify.html", {"form": form, "next": _next_url(request)}, status=status)


# -- the members of a state or organization ------------------------------------------------------------------


def _state(alpha2: str) -> MemberState:
    try:
        return countries.member_state(alpha2)
    except MemberState.DoesNotExist:
        raise Http404 from None


def _organization(slug: str) -> Organization:
    organization = countries.organizations().filter(slug=slug).first()
    if organization is None:
        raise Http404
    return organization


def _group_of(*, member_state: Any = None, organization: Any = None) -> dict[str, Any]:
    return {"member_state": member_state, "organization": organization}


def _members_url(member_state: Any = None, organization: Any = None) -> str:
    """The members page of the state or organization, or, for people of neither (curators, administrators), the
    administrators' page of invitations."""
    if member_state is not None:
        return reverse("accounts:state_members", args=[member_state.alpha2])
    if organization is not None:
        return reverse("accounts:organization_members", args=[organization.slug])
    return reverse("accounts:invitations")


def _members_context(request: Request, *, member_state: Any = None, organization: Any = None) -> dict[str, Any]:
    group = _group_of(member_state=member_state, organization=organization)
    if not selectors.may_see_members(request.user, **group):
        raise PermissionDenied(
            _("The members of %(group)s are listed to its own members and to the Secretariat.")
            % {"group": member_state or organization}
        )
    manages = selectors.may_manage_members(request.user, **group)
    members = list(selectors.members_of(**group))
    actor = request.user
    manageable = {
        m.pk
        for m in members
        if manages and m.pk != actor.pk and (actor.is_administrator or m.role not in (Role.CURATOR, Role.ADMINISTRATOR))
    }
    return {
        "group": member_state or organization,
        "members_url": _members_url(member_state, organization),
        "invite_url": _members_url(member_state, organization) + "invite/",
        "members": members,
        "manageable": manageable,
        "manages": manages,
        "invitations": list(selectors.pending_invitations_of(**group)) if manages else [],
        "positions": Position.choices,
        "Position": Position,
    }


def _members_page(request: Request, **group: Any) -> HttpResponse:
    context = _members_context(request, **group)
    template = "accounts/_members.html" if request.htmx else "accounts/members.html"
    return render(request, template, context)


@login_required
def state_members(request: Request, alpha2: str) -> HttpResponse:
    return _members_page(request, member_state=_state(alpha2))


@login_required
def organization_members(request: Request, slug: str) -> HttpResponse:
    return _members_page(request, organization=_organization(slug))


def _invite(request: Request, *, member_state: Any = None, organization: Any = None) -> HttpResponse:
    group = _group_of(member_state=member_state, organization=organization)
    roles = selectors.grantable_roles(request.user, **group)
    if not roles:
        raise PermissionDenied(
            _("Only a lead of %(group)s or an administrator can invite people to it.")
            % {"group": member_state or organization}
        )
    form = InvitationForm(
        request.POST or None,
        roles=roles,
        language=translation.get_language() or "en",
        grouped=member_state is not None or organization is not None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invite_person(actor=request.user, **form.cleaned_data, **group)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("An invitation is on its way to %(email)s. The link in it works once, for %(days)s days.")
                % {"email": invitation.email, "days": settings.INVITATION_VALID_DAYS},
            )
            return redirect(_members_url(member_state, organization))
    context = {
        "form": form,
        "group": member_state or organization,
        "members_url": _members_url(member_state, organization),
    }
    return render(request, "accounts/invite.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def state_invite(request: Request, alpha2: str) -> HttpResponse:
    return _invite(request, member_state=_state(alpha2))


@login_required
@require_http_methods(["GET", "POST"])
def organization_invite(request: Request, slug: str) -> HttpResponse:
    return _invite(request, organization=_organization(slug))


def _member(request: Request, pk: int) -> User:
    """A member of a state or organization the person may see the members of; 404 for anyone else."""
    member = User.objects.select_related("membership__member_state", "membership__organization").filter(pk=pk).first()
    membership = getattr(member, "membership", None) if member is not None else None
    if member is None or membership is None:
        raise Http404(_("There is no such member, or you may not see them."))
    if not selectors.may_see_members(
        request.user, member_state=membership.member_state, organization=membership.organization
    ):
        raise Http404(_("There is no such member, or you may not see them."))
    return member


def _back_to_members(request: Request, member_state: Any, organization: Any, message: str) -> HttpResponse:
    if request.POST.get("back") == "invitations" or (member_state is None and organization is None):
        messages.success(request, message)
        return redirect("accounts:invitations")
    if request.htmx:
        context = _members_context(request, member_state=member_state, organization=organization)
        return render(request, "accounts/_members.html", {**context, "status_message": message})
    messages.success(request, message)
    return redirect(_members_url(member_state, organization))


@login_required
@require_POST
def member_position(request: Request, pk: int) -> HttpResponse:
    member = _member(request, pk)
    form = MemberPositionForm(request.POST)
    if not form.is_valid():
        return invalid_query(request, _("Choose a position: lead or member."))
    services.change_member_position(member, actor=request.user, position=form.cleaned_data["position"])
    membership = member.membership
    message = _("%(name)s is now %(position)s of %(group)s.") % {
        "name": member.get_full_name() or member.username,
        "position": Position(membership.position).label.lower(),
        "group": membership.member_state or membership.organization,
    }
    return _back_to_members(request, membership.member_state, membership.organization, message)


@login_required
@require_POST
def member_deactivate(request: Request, pk: int) -> HttpResponse:
    member = _member(request, pk)
    services.deactivate_member(member, actor=request.user)
    membership = member.membership
    message = _("The account of %(name)s is deactivated: they can no longer sign in.") % {
        "name": member.get_full_name() or member.username
    }
    return _back_to_members(request, membership.member_state, membership.organization, message)


@login_required
@require_POST
def member_reinvite(request: Request, pk: int) -> HttpResponse:
    member = _member(request, pk)
    membership = member.membership
    try:
        invitation = services.reinvite_member(member, actor=request.user)
    except ValidationError as error:
        message = " ".join(error.messages)
    else:
        message = _("An invitation is on its way to %(email)s: accepting it reopens the account.") % {
            "email": invitation.email
        }
    return _back_to_members(request, membership.member_state, membership.organization, message)


@login_required
@require_POST
def member_reset_two_factor(request: Request, pk: int) -> HttpResponse:
    member = _member(request, pk)
    services.reset_two_factor(member, actor=request.user)
    membership = member.membership
    message = _("%(name)s will enrol a new authenticator at their next sign-in.") % {
        "name": member.get_full_name() or member.username
    }
    return _back_to_members(request, membership.member_state, membership.organization, message)


def _invitation(request: Request, pk: int) -> Invitation:
    invitation = selectors.invitations_visible_to(request.user).filter(pk=pk).first()
    if invitation is None:
        raise Http404(_("There is no such invitation, or you may not see it."))
    return invitation


@login_required
@require_POST
def invitation_revoke(request: Request, pk: int) -> HttpResponse:
    invitation = services.revoke_invitation(_invitation(request, pk), actor=request.user)
    message = _("The invitation to %(email)s is revoked: its link no longer works.") % {"email": invitation.email}
    return _back_to_members(request, invitation.member_state, invitation.organization, message)


@login_required
@require_POST
def invitation_resend(request: Request, pk: int) -> HttpResponse:
    invitation = services.reinvite(_invitation(request, pk), actor=request.user)
    message = _("A new invitation is on its way to %(email)s; the link in the earlier one no longer works.") % {
        "email": invitation.email
    }
    return _back_to_members(request, invitation.member_state, invitation.organization, message)


@login_required
def invitations(request: Request) -> HttpResponse:
    """The administrators' page: every invitation still waiting, on any state or organization or on none (curators
    and administrators), and the e-mails the mail server refused after the last attempt."""
    if not request.user.is_administrator:
        raise PermissionDenied(_("Only administrators see every invitation and the e-mails that could not be sent."))
    context = {
        "invitations": selectors.invitations_visible_to(request.user, pending_only=True),
        "failures": Paginator(selectors.mail_failures(), 50).get_page(request.GET.get("page")),
    }
    return render(request, "accounts/invitations.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def invitation_new(request: Request) -> HttpResponse:
    """An administrator invites a curator or an administrator (people of no state or organization)."""
    return _invite(request)


# -- accepting an invitation --------------------------------------------------------------------------------


def _link_problem(request: Request, problem: InvitationLinkError) -> HttpResponse:
    """A page that says why the link cannot be used and what to do; nothing is changed."""
    invitation = problem.invitation
    inviter = ""
    if invitation is not None and invitation.invited_by is not None:
        inviter = invitation.invited_by.get_full_name() or invitation.invited_by.username
    status = {
        InvitationLinkError.DAMAGED: 400,
        InvitationLinkError.REPLACED: 410,
        InvitationLinkError.OTHER_ACCOUNT: 403,
    }.get(problem.reason, 410)
    context = {"reason": problem.reason, "invitation": invitation, "inviter": inviter, "status": status}
    return render(request, "accounts/invitation_problem.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def invitation_accept(request: Request, token: str) -> HttpResponse:
    try:
        invitation = selectors.invitation_from_link(token)
        selectors.check_invitation_usable(invitation, request.user)
    except InvitationLinkError as problem:
        return _link_problem(request, problem)
    form = AcceptInvitationForm(request.POST or None, invitation=invitation)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.accept_invitation(
                invitation,
                actor=request.user,
                username=form.cleaned_data.get("username", ""),
                password=form.cleaned_data["password"],
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
            )
        except InvitationLinkError as problem:
            return _link_problem(request, problem)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            if user.needs_two_factor:
                messages.info(request, _("Welcome. Your role requires two-factor authentication: set it up now."))
                return redirect(
                    f"{reverse('accounts:two_factor_setup')}?{urlencode({'next': reverse('accounts:account')})}"
                )
            messages.success(request, _("Welcome. Your account is open and you are signed in."))
            return redirect("accounts:account")
    context = {"form": form, "invitation": invitation}
    return render(request, "accounts/invitation_accept.html", context, status=400 if form.errors else 200)


# -- notifications ------------------------------------------------------------------------------------------------


def _inbox(request: Request, *, status: int = 200) -> HttpResponse:
    page = Paginator(selectors.notifications_of(request.user), 50).get_page(request.GET.get("page"))
    context = {
        "notifications": selectors.attach_records(page.object_list, request.user),
        "page_obj": page,
        "unread": selectors.unread_count(request.user),
    }
    template = "accounts/_notifications.html" if request.htmx else "accounts/notifications.html"
    return render(request, template, context, status=status)


@login_required
@never_cache
def notifications(request: Request) -> HttpResponse:
    """A person's inbox, newest first; unread ones marked."""
    return _inbox(request)


@login_required
@require_POST
def notification_read(request: Request, pk: int) -> HttpResponse:
    notification = get_object_or_404(selectors.notifications_of(request.user), pk=pk)
    services.mark_read(notification, actor=request.user)
    return _inbox(request) if request.htmx else redirect("accounts:notifications")


@login_required
@require_POST
def notifications_read_all(request: Request) -> HttpResponse:
    services.mark_all_read(actor=request.user)
    return _inbox(request) if request.htmx else redirect("accounts:notifications")


@login_required
@require_http_methods(["GET", "POST"])
def notification_preferences(request: Request) -> HttpResponse:
    """The language of e-mails, and one choice per kind of notification this person can receive."""
    user = request.user
    initial = {**selectors.deliveries_of(user), "language": user.language or translation.get_language()}
    form = NotificationPreferencesForm(request.POST or None, initial=initial, kinds=selectors.kinds_for(user))
    if request.method == "POST" and form.is_valid():
        choices = dict(form.cleaned_data)
        with transaction.atomic():
            services.set_language(choices.pop("language"), actor=user)
            services.set_deliveries(choices, actor=user)
        messages.success(request, _("Your notification settings are saved."))
        return redirect("accounts:notification_preferences")
    return render(request, "accounts/notification_preferences.html", {"form": form}, status=400 if form.errors else 200)


@csrf_exempt  # RFC 8058: the mail reader posts "List-Unsubscribe=One-Click" with no session and no CSRF token
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request: Request, token: str) -> HttpResponse:
    """The one-click unsubscribe of an e-mail: GET asks, POST stops that kind of e-mail; no sign-in needed."""
    try:
        user, kind = services.read_unsubscribe_token(token)
    except signing.BadSignature:
        return render(request, "accounts/unsubscribe.html", {"problem": True}, status=400)
    label = Delivery(kind).label if kind in (Delivery.DAILY, Delivery.WEEKLY) else NotificationKind(kind).label
    context = {"kind_label": label, "done": False}
    if request.method == "POST":
        services.unsubscribe(token)
        context["done"] = True
    return render(request, "accounts/unsubscribe.html", context)
