"""Model permissions in the Django admin, derived from roles rather than kept by hand."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import BaseBackend

#: What a curator may do in the admin: curate reference data, read the audit log.
CURATOR_PERMISSIONS = {
    "countries": {"view", "add", "change"},
    "core": {"view"},
    "accounts": {"view"},
    "catalog": {"view", "add", "change"},
    "mandates": {"view", "add", "change"},
    "reports": {"view", "add"},
}


class RolePermissionBackend(BaseBackend):
    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        if not getattr(user_obj, "is_curator", False):
            return False
        app_label, _dot, codename = perm.partition(".")
        action = codename.split("_", 1)[0]
        return action in CURATOR_PERMISSIONS.get(app_label, set())

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return getattr(user_obj, "is_curator", False) and app_label in CURATOR_PERMISSIONS
