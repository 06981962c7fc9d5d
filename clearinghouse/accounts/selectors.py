from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

from clearinghouse.accounts.models import ApiToken, User


def api_tokens_of(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("revoked_at", "-created_at")


def confirmed_totp_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def has_confirmed_totp_device(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_totp_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).first()


def accounts_named(entries: Iterable[str]) -> tuple[list[User], list[str]]:
    """The active accounts these e-mail addresses or user names (any case) name, once each, and the entries no
    active account has."""
    found: dict[int, User] = {}
    unknown: list[str] = []
    for entry in (e.strip() for e in entries):
        if not entry:
            continue
        person = User.objects.filter(Q(email__iexact=entry) | Q(username__iexact=entry), is_active=True).first()
        if person is None:
            unknown.append(entry)
        else:
            found[person.pk] = person
    return list(found.values()), unknown
