from django.contrib import admin

from clearinghouse.core.admin import AuditedModelAdmin
from clearinghouse.countries.models import DevelopmentGroup, MemberState, Organization


@admin.register(MemberState)
class MemberStateAdmin(AuditedModelAdmin):
    list_display = ["alpha2", "name_en", "bdt_region", "itu_region", "profile_updated_at"]
    list_filter = ["bdt_region", "itu_region", "groups"]
    search_fields = ["alpha2", "alpha3", "name_en", "name_fr", "name_es", "name_ru", "name_ar", "name_zh"]
    readonly_fields = ["profile_updated_at"]


@admin.register(DevelopmentGroup)
class DevelopmentGroupAdmin(AuditedModelAdmin):
    list_display = ["code", "as_of", "source"]
    filter_horizontal = ["members"]


@admin.register(Organization)
class OrganizationAdmin(AuditedModelAdmin):
    list_display = ["name", "acronym", "kind", "country", "region", "is_illustrative"]
    list_filter = ["kind", "region", "is_illustrative"]
    search_fields = ["name", "acronym"]
    prepopulated_fields = {"slug": ["acronym"]}
