"""Read-only views of stored certificates: the keystore itself is never shown nor downloadable.

Certificates are created by the import service only, and change state through the pages;
the admin lists them for administrators and does not add, change or delete them.
"""
from django.contrib import admin

from .models import Certificate, CertificateEntry


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class CertificateEntryInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = CertificateEntry
    fields = ["position", "alias", "kind", "has_private_key", "key_type", "key_size", "subject", "serial", "not_before", "not_after"]
    readonly_fields = fields
    extra = 0


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["practitioner", "state", "not_after", "environment", "uploaded_at", "uploaded_by_name", "uploaded_via"]
    list_filter = ["state", "environment", "uploaded_via"]
    search_fields = ["practitioner__last_name", "practitioner__niss", "fingerprint_sha256", "serial"]
    list_select_related = ["practitioner"]
    exclude = ["encrypted_keystore"]
    readonly_fields = [
        "public_id", "practitioner", "state", "subject", "identifiers", "issuer", "serial", "fingerprint_sha256",
        "environment", "not_before", "not_after", "file_name", "file_size", "uploaded_at", "uploaded_by",
        "uploaded_by_name", "uploaded_via", "superseded_at", "removed_at", "removed_by",
    ]
    inlines = [CertificateEntryInline]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("encrypted_keystore")
