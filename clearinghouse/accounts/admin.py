from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from clearinghouse.accounts import services
from clearinghouse.accounts.forms import AdminUserChangeForm, AdminUserCreationForm
from clearinghouse.accounts.models import ApiToken, Membership, User
from clearinghouse.core import audit


@admin.register(User)
class AccountAdmin(UserAdmin):
    form = AdminUserChangeForm
    add_form = AdminUserCreationForm
    list_display = ["username", "email", "role", "is_active", "last_login"]
    list_filter = ["role", "is_active"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Person"), {"fields": ("first_name", "last_name", "email")}),
        (_("Role and membership"), {"fields": ("role", "member_state", "organization", "is_active")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "fields": (
                    "username",
                    "email",
                    "role",
                    "member_state",
                    "organization",
                    "password1",
                    "password2",
                )
            },
        ),
    )
    actions = ["reset_two_factor"]

    def save_model(self, request: Any, obj: User, form: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            state, organization = form.cleaned_data.get("member_state"), form.cleaned_data.get("organization")
            if state is None and organization is None:
                Membership.objects.filter(user=obj).delete()
            else:
                Membership.objects.update_or_create(
                    user=obj, defaults={"member_state": state, "organization": organization}
                )
            obj.__dict__.pop("_membership", None)
            audit.record(
                request.user,
                "user.updated.admin" if change else "user.created.admin",
                obj,
                changes={
                    "role": obj.role,
                    "member_state": state,
                    "organization": organization,
                    "is_active": obj.is_active,
                },
            )

    @admin.action(description=_("Reset two-factor authentication (lost device)"))
    def reset_two_factor(self, request: Any, queryset: Any) -> None:
        for user in queryset:
            services.reset_two_factor(user, actor=request.user)
        messages.success(request, _("They will enrol a new authenticator at their next sign-in."))


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "key_hint", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    readonly_fields = ["user", "name", "key_hint", "created_at", "last_used_at", "revoked_at"]

    def has_add_permission(self, request: Any) -> bool:
        return False
