"""The Secretariat's admin for resolutions and activities. Texts are imported (page or command), not typed
here; a curator corrects a clause's role or a flagged heading, and records activities."""

from __future__ import annotations

from django.contrib import admin

from clearinghouse.core.admin import AuditedModelAdmin
from clearinghouse.mandates.models import Activity, Clause, Resolution, Revision, Section


class RevisionInline(admin.TabularInline):
    model = Revision
    fields = ["sequence", "label", "source", "source_name", "imported_at"]
    readonly_fields = ["sequence", "label", "source", "source_name", "imported_at"]
    extra = 0
    can_delete = False
    show_change_link = True


@admin.register(Resolution)
class ResolutionAdmin(AuditedModelAdmin):
    list_display = ["number", "body", "title"]
    list_filter = ["body"]
    search_fields = ["number", "title"]
    inlines = [RevisionInline]


class SectionInline(admin.TabularInline):
    model = Section
    fields = ["position", "kind", "heading", "action", "addressee", "flagged", "note"]
    extra = 0
    show_change_link = True


@admin.register(Revision)
class RevisionAdmin(AuditedModelAdmin):
    list_display = ["resolution", "label", "source", "sequence", "imported_at"]
    list_filter = ["source", "resolution"]
    readonly_fields = ["source_sha256", "imported_at", "imported_by", "artefacts", "warnings"]
    inlines = [SectionInline]


class ClauseInline(admin.TabularInline):
    model = Clause
    fields = ["position", "label", "text", "role"]
    extra = 0


@admin.register(Section)
class SectionAdmin(AuditedModelAdmin):
    list_display = ["heading", "revision", "kind", "action", "addressee", "flagged"]
    list_filter = ["kind", "flagged"]
    inlines = [ClauseInline]


@admin.register(Activity)
class ActivityAdmin(AuditedModelAdmin):
    list_display = ["occurred_at", "kind", "title", "status", "tlp", "region", "source_type", "source_id"]
    list_filter = ["kind", "status", "tlp", "region"]
    search_fields = ["title", "description"]
    filter_horizontal = ["clauses", "states", "organizations"]
    exclude = ["shared_with_users"]
