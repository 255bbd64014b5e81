"""The audit log in the Django admin: read-only, nobody adds, changes or deletes events there."""
from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("occurred_at", "kind", "username", "username_attempted", "ip_address", "practitioner", "summary")
    list_filter = ("kind", "occurred_at")
    search_fields = ("username", "username_attempted", "summary", "ip_address")
    date_hierarchy = "occurred_at"
    list_select_related = ("practitioner",)
    readonly_fields = [field.name for field in AuditEvent._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
