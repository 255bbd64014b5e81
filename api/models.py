"""Service tokens: how another program of the practice (billing, MyCareNet...) reads the registry.

Only a hash of a token is stored: its holder saw it once, when an administrator created it. A token
carries scopes (read-only, per part of the API), a rate limit of its own, and the moment and address
of its last use; revoking it keeps the row, so the audit log still says whose calls they were.
"""
from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    """What a token may read. Every scope is read-only: the API changes nothing."""

    REGISTRY = "registry:read", _("Practitioner registry (records, INAMI numbers, FHIR)")
    CERTIFICATES = "certificates:read", _("eHealth certificate status")


MAX_REQUESTS_PER_MINUTE = 100_000
# Each scope's column: the form, the service and ``ServiceToken.scopes`` read this one map.
SCOPE_FIELDS = {Scope.REGISTRY: "can_read_registry", Scope.CERTIFICATES: "can_read_certificates"}
# What the constraints say, said by the form too (before saving, next to the field concerned).
NAME_TAKEN_MESSAGE = _("A token that is not revoked already has this name.")
NO_SCOPE_MESSAGE = _("Choose at least one thing the token may read.")


def scope_flags(scopes) -> dict[str, bool]:
    """The scope columns of a token that may read ``scopes``."""
    return {field: scope in scopes for scope, field in SCOPE_FIELDS.items()}


class ServiceToken(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(
        _("name"), max_length=100, help_text=_("The program that uses the token, e.g. “Billing”.")
    )
    # The token's first characters, shown to tell tokens apart (never enough to use it).
    prefix = models.CharField(_("starts with"), max_length=16, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)  # SHA-256, hexadecimal
    can_read_registry = models.BooleanField(_("reads the registry"), default=True)
    can_read_certificates = models.BooleanField(_("reads the certificate status"), default=False)
    requests_per_minute = models.PositiveIntegerField(
        _("requests per minute"), default=600, help_text=_("Calls beyond this limit are refused until the minute ends.")
    )

    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("created by"),
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("revoked by"),
    )
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    last_used_from = models.GenericIPAddressField(_("last used from"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("service token")
        verbose_name_plural = _("service tokens")
        permissions = [("manage_service_tokens", "Can create and revoke the API's service tokens")]
        constraints = [
            models.UniqueConstraint(
                fields=["name"],
                condition=Q(revoked_at__isnull=True),
                name="service_token_name_unique_while_valid",
                violation_error_message=NAME_TAKEN_MESSAGE,
            ),
            models.CheckConstraint(
                condition=Q(can_read_registry=True) | Q(can_read_certificates=True),
                name="service_token_has_a_scope",
                violation_error_message=NO_SCOPE_MESSAGE,
            ),
            models.CheckConstraint(
                condition=Q(requests_per_minute__gte=1, requests_per_minute__lte=MAX_REQUESTS_PER_MINUTE),
                name="service_token_rate_limit_in_range",
            ),
            models.CheckConstraint(
                condition=Q(revoked_by__isnull=True) | Q(revoked_at__isnull=False),
                name="service_token_revoker_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def scopes(self) -> frozenset[str]:
        return frozenset(scope for scope, field in SCOPE_FIELDS.items() if getattr(self, field))

    def get_scopes_display(self) -> list[str]:
        labels = dict(Scope.choices)
        return [labels[scope] for scope in Scope.values if scope in self.scopes]
