"""Read-only views of stored certificates: the keystore itself is never shown nor downloadable.

Certificates are created by the import service only, and change state through the pages;
the admin lists them for administrators and does not add, change or delete them.
"""
from django.contrib import admin

from ehealth_certs.models import AdminDigest, Certificate, CertificateEntry, Reminder, ScanRun, stored_bytes


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
        return super().get_queryset(request).defer(*stored_bytes())


# Expiry reminders: recorded by the scan and the workers, shown read-only.


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["certificate", "threshold", "recipient_email", "state", "attempts", "sent_at", "created_at"]
    list_filter = ["state", "threshold"]
    search_fields = ["recipient_email", "certificate__practitioner__last_name", "message_id"]
    list_select_related = ["certificate__practitioner"]
    readonly_fields = [
        "certificate", "threshold", "recipient_email", "state", "attempts", "last_error", "message_id", "created_at",
        "claimed_at", "sent_at",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).defer(*stored_bytes("certificate__"))


@admin.register(AdminDigest)
class AdminDigestAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["day", "recipient_email", "state", "attempts", "sent_at"]
    list_filter = ["state"]
    readonly_fields = [
        "day", "recipient", "recipient_email", "state", "attempts", "last_error", "message_id", "created_at",
        "claimed_at", "sent_at",
    ]


@admin.register(ScanRun)
class ScanRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["ran_at", "day", "reminders_created", "digests_created"]
