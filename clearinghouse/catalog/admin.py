"""The Secretariat's admin for the catalogue: the taxonomy and technologies are edited here; measures
are read here and changed only through the workflow (pages and API), which versions and indexes them."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from clearinghouse.catalog import search
from clearinghouse.catalog.models import Measure, MeasureVersion, Pillar, Technology, TechnologyTranslation, Threat
from clearinghouse.catalog.services.outdating import refresh_outdated_translations
from clearinghouse.core.admin import AuditedModelAdmin
from clearinghouse.countries.models import active_language


@admin.register(Threat)
class ThreatAdmin(AuditedModelAdmin):
    list_display = ["name_en", "slug", "parent", "position"]
    list_filter = ["parent"]
    search_fields = ["name_en", "slug", "references"]
    prepopulated_fields = {"slug": ["name_en"]}


@admin.register(Pillar)
class PillarAdmin(AuditedModelAdmin):
    list_display = ["name_en", "slug", "position"]


class TechnologyTranslationInline(admin.StackedInline):
    model = TechnologyTranslation
    extra = 0


@admin.register(Technology)
class TechnologyAdmin(AuditedModelAdmin):
    inlines = [TechnologyTranslationInline]
    list_display = ["name", "slug", "lifecycle", "tlp", "is_illustrative"]
    list_filter = ["lifecycle", "tlp", "is_illustrative"]
    search_fields = ["name", "slug"]
    filter_horizontal = ["threats"]
    exclude = ["shared_with_users"]

    def get_changeform_initial_data(self, request: Any) -> dict[str, Any]:
        # a new technology's original language is the interface's unless the curator says otherwise
        return {"language": active_language(), **super().get_changeform_initial_data(request)}

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and {"name", "description"} & set(form.changed_data):
            refresh_outdated_translations(obj, actor=request.user)
        if change and "name" in form.changed_data:
            # a measure's search document holds the names of the technologies it uses
            for measure in obj.measures.prefetch_related("translations", "technologies"):
                search.index_measure(measure)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Measure)
class MeasureAdmin(ReadOnlyAdmin):
    list_display = ["title", "owner_state", "owner_organization", "lifecycle", "tlp", "version", "is_illustrative"]
    list_filter = ["lifecycle", "tlp", "pillar", "status", "is_illustrative"]
    search_fields = ["title", "summary"]
    list_select_related = ["owner_state", "owner_organization"]


@admin.register(MeasureVersion)
class MeasureVersionAdmin(ReadOnlyAdmin):
    list_display = ["measure", "number", "action", "created_by", "created_at"]
    list_select_related = ["measure", "created_by"]
