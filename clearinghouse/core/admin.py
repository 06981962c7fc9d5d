"""The Secretariat's admin: every change made there is written to the audit log too."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.forms.models import model_to_dict

from clearinghouse.core import audit
from clearinghouse.core.models import AuditEvent


class AuditedModelAdmin(admin.ModelAdmin):
    """ModelAdmin whose saves and deletions leave an audit row with the change.

    The admin already runs each change in one transaction; the row is written after the
    many-to-many fields are saved, so a changed list of members is part of the recorded change.
    """

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        request._audit_before = model_to_dict(type(obj).objects.get(pk=obj.pk)) if change else {}
        super().save_model(request, obj, form, change)

    def save_related(self, request: Any, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        obj = form.instance
        action = "updated" if change else "created"
        changes = audit.diff(getattr(request, "_audit_before", {}), model_to_dict(obj))
        if changes or not change:
            audit.record(request.user, f"{obj._meta.model_name}.{action}.admin", obj, changes=changes)

    def delete_model(self, request: Any, obj: Any) -> None:
        audit.record(request.user, f"{obj._meta.model_name}.deleted.admin", obj)
        super().delete_model(request, obj)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor_repr", "action", "object_type", "object_repr"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_repr", "action", "object_repr", "object_id"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False
