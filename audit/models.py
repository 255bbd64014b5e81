"""The audit log: who did what, when and from where. Never a password, PIN or key material."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EventKind(models.TextChoices):
    LOGIN = "login", _("Login")
    LOGIN_FAILED = "login_failed", _("Failed login")
    LOCKED_OUT = "locked_out", _("Login locked after repeated failures")
    LOGOUT = "logout", _("Logout")
    CERTIFICATE_IMPORT = "certificate_import", _("Certificate imported")
    CERTIFICATE_IMPORT_FAILED = "certificate_import_failed", _("Certificate import refused")
    CERTIFICATE_REMOVED = "certificate_removed", _("Certificate removed")
    CERTIFICATE_REVOKED = "certificate_revoked", _("Certificate revoked")
    KEYSTORE_PASSWORD_CHANGED = "keystore_password_changed", _("Keystore password changed")
    KEYSTORE_PASSWORD_CHANGE_FAILED = "keystore_password_change_failed", _("Keystore password change refused")
    EID_READ = "eid_read", _("eID card read")
    REGISTRY_IMPORT = "registry_import", _("Registry import")
    SERVICE_TOKEN_CREATED = "service_token_created", _("API token created")
    SERVICE_TOKEN_REVOKED = "service_token_revoked", _("API token revoked")
    API_CALL = "api_call", _("API call")


class AuditEvent(models.Model):
    kind = models.CharField(_("event"), max_length=40, choices=EventKind.choices)
    occurred_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="audit_events",
    )
    # Kept on the event: the account may be deleted later, the event must still say who acted.
    username = models.CharField(_("user name"), max_length=150, blank=True)
    username_attempted = models.CharField(
        _("user name typed"), max_length=150, blank=True,
        help_text=_("For failed logins: the user name that was typed (never the password)."),
    )
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    practitioner = models.ForeignKey(
        "practitioners.Practitioner", verbose_name=_("practitioner"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="audit_events",
    )
    summary = models.CharField(_("summary"), max_length=255, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["kind", "occurred_at"], name="audit_kind_time")]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=EventKind.values), name="audit_kind_known"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.occurred_at:%d/%m/%Y %H:%M}"

    @property
    def actor(self) -> str:
        """The user's name (kept when the account is deleted), or for a failed login the name typed."""
        return self.username or self.username_attempted
