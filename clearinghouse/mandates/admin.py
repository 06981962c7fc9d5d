from django.contrib import admin

from clearinghouse.core.admin import AuditedModelAdmin
from clearinghouse.mandates.models import Activity


@admin.register(Activity)
class ActivityAdmin(AuditedModelAdmin):
    list_display = ["occurred_at", "kind", "title", "source_type", "source_id"]
    list_filter = ["kind"]
    search_fields = ["title"]
