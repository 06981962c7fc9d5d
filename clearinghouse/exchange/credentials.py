"""The secrets a sync source sends to its remote (an API token, or a password for HTTP Basic), encrypted at rest.

They are encrypted with Fernet (AES-128-CBC and HMAC-SHA256, from ``cryptography``) under the keys of the
``SYNC_CREDENTIALS_KEYS`` setting: the first encrypts, every one decrypts, so a key is rotated by putting a
new one first and running ``manage.py rotate_sync_credentials``. Without that setting the key is derived
from ``SECRET_KEY``, so a laptop works with nothing to set; keys derived from ``SECRET_KEY`` and
``SECRET_KEY_FALLBACKS`` always decrypt after the configured ones, so that setting a key is a rotation too.
A copy of the database alone never reveals a secret.
"""

from __future__ import annotations

import base64
from urllib.parse import unquote, urlsplit, urlunsplit

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

_SALT = "clearinghouse.exchange.credentials"


class Unreadable(Exception):
    """A saved secret that none of the keys decrypts (the keys changed without a rotation)."""


def _derived(secret: str) -> Fernet:
    digest = salted_hmac(_SALT, "sync-credentials", secret=secret, algorithm="sha256").digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _keys() -> MultiFernet:
    try:
        configured = [Fernet(key.encode()) for key in getattr(settings, "SYNC_CREDENTIALS_KEYS", [])]
    except ValueError:
        raise ImproperlyConfigured(
            "SYNC_CREDENTIALS_KEYS: each key must be 32 url-safe base64-encoded bytes, as "
            "`manage.py rotate_sync_credentials --new-key` prints."
        ) from None
    # the derived keys decrypt after the configured ones, so that moving to SYNC_CREDENTIALS_KEYS is a rotation
    derived = [_derived(secret) for secret in (settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", []))]
    return MultiFernet(configured + derived)


def encrypt(secret: str) -> str:
    """``secret`` encrypted under the first key; the empty string stays empty (no secret)."""
    return _keys().encrypt(secret.encode()).decode() if secret else ""


def decrypt(stored: str) -> str:
    if not stored:
        return ""
    try:
        return _keys().decrypt(stored.encode()).decode()
    except InvalidToken:
        raise Unreadable(
            _(
                "The saved credentials of this source cannot be decrypted: the encryption keys changed "
                "without a rotation. Enter the token or the password again."
            )
        ) from None


def rotate(stored: str) -> str:
    """``stored`` encrypted again under the first key (raises :class:`Unreadable` if no key decrypts it)."""
    if not stored:
        return ""
    try:
        return _keys().rotate(stored.encode()).decode()
    except InvalidToken:
        raise Unreadable(_("A saved secret cannot be decrypted with any of the keys.")) from None


def split_address(url: str) -> tuple[str, str, str]:
    """An address without the user name and password it may carry (``https://user:pass@host/…``), and those two
    (URL-decoded): credentials never stay in an address that is stored or shown."""
    parts = urlsplit(url.strip())
    if parts.username is None and parts.password is None:
        return url.strip(), "", ""
    bare = urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, parts.query, parts.fragment))
    return bare, unquote(parts.username or ""), unquote(parts.password or "")
