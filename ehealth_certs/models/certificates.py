"""Stored eHealth certificates: the encrypted keystore, its metadata and its entries.

A record has at most one active certificate (a partial unique index says so); importing a newer
one supersedes it, removing it keeps the row. State changes are conditional UPDATEs made by the
``lifecycle`` services, with explicit who/when columns as the certificate's history.
"""
from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from practitioners.models import Practitioner

from ehealth_certs.keystore import codes
from ehealth_certs.keystore_text import REVOCATION_REASONS, revocation_reason_label


class CertificateState(models.TextChoices):
    ACTIVE = "active", _("active")
    SUPERSEDED = "superseded", _("superseded")
    REMOVED = "removed", _("removed")
    REVOKED = "revoked", _("revoked")


class Environment(models.TextChoices):
    PRODUCTION = "production", _("production")
    ACCEPTANCE = "acceptance", _("acceptance")


class UploadChannel(models.TextChoices):
    WEB = "web", _("web page")
    CLI = "cli", _("command line")


class RevocationReason(models.TextChoices):
    FORGOTTEN_PASSWORD = "forgotten_password", _("forgotten password")
    KEYSTORE_LOST = "keystore_lost", _("keystore lost")
    KEY_COMPROMISED = "key_compromised", _("key compromised")
    REPLACED = "replaced", _("replaced by a new certificate")
    OTHER = "other", _("other")


class RevocationCheck(models.TextChoices):
    """The last answer of the certification authority's OCSP responder about a certificate."""

    GOOD = codes.RevocationStatus.GOOD.value, _("not revoked")
    REVOKED = codes.RevocationStatus.REVOKED.value, _("revoked")
    UNKNOWN = codes.RevocationStatus.UNKNOWN.value, _("unknown (no verified answer)")
    NOT_CHECKED = codes.RevocationStatus.NOT_CHECKED.value, _("not checked")


class EntryKind(models.TextChoices):
    AUTHENTICATION = "authentication", _("authentication")
    ENCRYPTION = "encryption", _("encryption")
    CA = "ca", _("certification authority")
    OTHER = "other", _("other")


class EncryptionKeyStatus(models.TextChoices):
    """The keystore's encryption (ETK) key as validation found it at import, or unknown for older rows."""

    PRESENT = codes.EncryptionKeyStatus.PRESENT.value, _("present")
    MISSING = codes.EncryptionKeyStatus.MISSING.value, _("missing: encrypted eHealth messages cannot be read")
    IRREGULAR = codes.EncryptionKeyStatus.IRREGULAR.value, _("irregular: not as the eHealth Certificate Manager makes it")
    UNKNOWN = "unknown", _("unknown (imported before this was checked)")


def stored_bytes(via: str = "") -> tuple[str, ...]:
    """The fields of a certificate that hold bytes no page shows (the encrypted keystore, the
    certificate and its issuer in DER), for ``defer()``; ``via`` is the path to the certificate when
    it is joined, e.g. ``"certificate__"``."""
    return tuple(via + name for name in ("encrypted_keystore", "certificate_der", "issuer_der"))


class Certificate(models.Model):
    """One imported keystore. The keystore's own password is never stored."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.PROTECT, related_name="certificates", verbose_name=_("practitioner")
    )
    state = models.CharField(_("state"), max_length=20, choices=CertificateState.choices, default=CertificateState.ACTIVE)

    encrypted_keystore = models.BinaryField(_("encrypted keystore"), editable=False)

    subject = models.TextField(_("subject"))
    issuer = models.TextField(_("issuer"))
    serial = models.TextField(_("serial number"), help_text=_("Lowercase hexadecimal."))
    fingerprint_sha256 = models.CharField(_("SHA-256 fingerprint"), max_length=64)
    identifiers = models.JSONField(_("identifiers"), default=dict, blank=True)
    environment = models.CharField(_("environment"), max_length=20, choices=Environment.choices)
    not_before = models.DateTimeField(_("valid from"))
    not_after = models.DateTimeField(_("valid until"))
    encryption_key_status = models.CharField(
        _("encryption key (ETK)"), max_length=10, choices=EncryptionKeyStatus.choices, default=EncryptionKeyStatus.UNKNOWN
    )

    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    file_size = models.PositiveIntegerField(_("file size"))
    uploaded_at = models.DateTimeField(_("uploaded at"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_by_name = models.CharField(
        _("uploader name"), max_length=150, blank=True, help_text=_("User name at upload time (OS user for the command line).")
    )
    uploaded_via = models.CharField(_("uploaded via"), max_length=10, choices=UploadChannel.choices)

    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("removed by"),
    )

    revoked_at = models.DateTimeField(_("revocation recorded at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("revocation recorded by"),
    )
    revocation_date = models.DateField(_("revocation date"), null=True, blank=True)
    revocation_reason = models.CharField(
        _("revocation reason"), max_length=30, choices=RevocationReason.choices, blank=True
    )
    revocation_reason_text = models.TextField(_("revocation reason (details)"), blank=True)

    # Revocation as the certification authority's OCSP responder reports it (not the practice's record above).
    certificate_der = models.BinaryField(_("certificate (DER)"), default=b"", editable=False)
    issuer_der = models.BinaryField(_("issuer certificate (DER)"), default=b"", editable=False)
    ocsp_url = models.CharField(_("OCSP responder"), max_length=500, blank=True)
    revocation_checked_at = models.DateTimeField(_("revocation last checked at"), null=True, blank=True)
    revocation_check = models.CharField(
        _("last revocation check"), max_length=20, choices=RevocationCheck.choices, default=RevocationCheck.NOT_CHECKED
    )
    revocation_confirmed_at = models.DateTimeField(
        _("revocation status last known at"), null=True, blank=True,
        help_text=_("The last verified answer (not revoked, or revoked) of the OCSP responder."),
    )
    revoked_by_ca_at = models.DateTimeField(_("revoked by the certification authority at"), null=True, blank=True)
    ca_revocation_reason = models.CharField(_("certification authority's revocation reason"), max_length=30, blank=True)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        verbose_name = _("eHealth certificate")
        verbose_name_plural = _("eHealth certificates")
        # What the pages ask for (ehealth_certs.access); the roles get them in practitioners.roles.
        permissions = [
            ("manage_any_certificate", "Can upload, renew, change, revoke and remove the certificate of any record"),
            ("view_certificates_overview", "Can see the certificates overview and receive the daily expiry digest"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["practitioner"],
                condition=Q(state=CertificateState.ACTIVE),
                name="certificate_one_active_per_practitioner",
                violation_error_message=_("This record already has an active eHealth certificate."),
            ),
            models.CheckConstraint(
                condition=Q(state__in=CertificateState.values), name="certificate_state_known"
            ),
            models.CheckConstraint(
                condition=Q(not_after__gt=F("not_before")), name="certificate_validity_not_empty"
            ),
            models.CheckConstraint(
                condition=Q(encryption_key_status__in=EncryptionKeyStatus.values),
                name="certificate_encryption_key_status_known",
            ),
            models.CheckConstraint(
                condition=~Q(state=CertificateState.REMOVED) | Q(removed_at__isnull=False),
                name="certificate_removed_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(state=CertificateState.SUPERSEDED) | Q(superseded_at__isnull=False),
                name="certificate_superseded_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(state=CertificateState.REVOKED)
                | (
                    Q(revoked_at__isnull=False, revocation_date__isnull=False)
                    & (
                        (
                            Q(revocation_reason__in=RevocationReason.values)
                            & (~Q(revocation_reason=RevocationReason.OTHER) | ~Q(revocation_reason_text=""))
                        )
                        | Q(revoked_by_ca_at__isnull=False)
                    )
                ),
                name="certificate_revoked_has_reason_and_date",
            ),
            models.CheckConstraint(
                condition=Q(revocation_check__in=RevocationCheck.values), name="certificate_revocation_check_known"
            ),
            models.CheckConstraint(
                condition=Q(revoked_by_ca_at__isnull=True) | Q(ca_revocation_reason__in=["", *REVOCATION_REASONS]),
                name="certificate_ca_revocation_reason_known",
            ),
        ]
        indexes = [models.Index(fields=["state", "not_after"], name="certificate_state_expiry_idx")]

    def __str__(self) -> str:
        return f"{self.subject} ({self.get_state_display()})"

    @property
    def is_active(self) -> bool:
        return self.state == CertificateState.ACTIVE

    @property
    def revoked_by_ca(self) -> bool:
        """Revoked as the certification authority's OCSP responder said (not recorded by the practice)."""
        return self.state == CertificateState.REVOKED and self.revoked_by_ca_at is not None

    @property
    def revocation_reason_label(self) -> str:
        """The revocation's reason in words, saying when it was the certification authority's."""
        if self.revoked_by_ca:
            return _("revoked by the certification authority: %(reason)s") % {
                "reason": revocation_reason_label(self.ca_revocation_reason)
            }
        return self.get_revocation_reason_display()


class CertificateEntry(models.Model):
    """One entry of the keystore (a key with its certificate, or a certificate alone): metadata only."""

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="entries")
    position = models.PositiveSmallIntegerField(_("position"))
    alias = models.TextField(_("alias"), blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=EntryKind.choices)
    has_private_key = models.BooleanField(_("has a private key"), default=False)
    key_type = models.CharField(_("key type"), max_length=20, blank=True)
    key_size = models.PositiveIntegerField(_("key size"), null=True, blank=True)
    subject = models.TextField(_("subject"), blank=True)
    issuer = models.TextField(_("issuer"), blank=True)
    serial = models.TextField(_("serial number"), blank=True)
    not_before = models.DateTimeField(_("valid from"), null=True, blank=True)
    not_after = models.DateTimeField(_("valid until"), null=True, blank=True)
    local_key_id = models.TextField(_("local key id"), blank=True, help_text=_("Hexadecimal."))

    class Meta:
        ordering = ["certificate", "position"]
        verbose_name = _("keystore entry")
        verbose_name_plural = _("keystore entries")
        constraints = [
            models.UniqueConstraint(fields=["certificate", "position"], name="certificate_entry_position_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.alias or '—'} ({self.get_kind_display()})"
