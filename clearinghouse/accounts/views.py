"""Signing in and out, two-factor authentication, password reset and API tokens."""

from __future__ import annotations

import base64

import segno
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from clearinghouse.accounts import selectors, services
from clearinghouse.accounts.forms import (
    ApiTokenForm,
    LanguageTaggedPasswordResetForm,
    TotpCodeForm,
    TotpReplacementForm,
)
from clearinghouse.core.http import Request


def _next_url(request: Request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("accounts:account")


class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


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
