"""A certificate's life cycle: the renewal steps ticked, keystore password changes, and the
re-encrypted keystores waiting for their one download."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from practitioners.models import Practitioner

from ehealth_certs.models.certificates import Certificate


class RenewalStep(models.TextChoices):
    """The steps done in the eHealth Certificate Manager; importing the renewed keystore here closes the renewal."""

    RENEW = "renew", _("Renew the certificate with the eID card")
    COMPLETE = "complete", _("Complete the renewal")
    ACTIVATE_ETK = "activate_etk", _("Activate the renewed ETK")


class RenewalStepTick(models.Model):
    """A renewal step the practitioner (or an administrator) marked as done for a certificate."""

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="renewal_ticks")
    step = models.CharField(_("step"), max_length=20, choices=RenewalStep.choices)
    ticked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("ticked by"),
    )
    ticked_at = models.DateTimeField(_("ticked at"))

    class Meta:
        ordering = ["certificate", "ticked_at"]
        verbose_name = _("renewal step done")
        verbose_name_plural = _("renewal steps done")
        constraints = [
            models.UniqueConstraint(fields=["certificate", "step"], name="renewal_step_once_per_certificate"),
            models.CheckConstraint(condition=Q(step__in=RenewalStep.values), name="renewal_step_known"),
        ]

    def __str__(self) -> str:
        return f"{self.get_step_display()} ({self.ticked_at:%d/%m/%Y})"


class KeystorePasswordChange(models.Model):
    """The stored keystore was re-encrypted under a new password (the passwords are never stored)."""

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="password_changes")
    changed_at = models.DateTimeField(_("changed at"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("changed by"),
    )

    class Meta:
        ordering = ["-changed_at", "-pk"]
        verbose_name = _("keystore password change")
        verbose_name_plural = _("keystore password changes")


class KeystoreDownload(models.Model):
    """A re-encrypted keystore waiting to be downloaded once by the user who made it.

    Only the SHA-256 of the URL token is kept; the file is encrypted like stored keystores. The
    row is deleted by the first download, and expired rows are deleted whenever one is created.
    """

    token_sha256 = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    practitioner = models.ForeignKey(Practitioner, on_delete=models.CASCADE, related_name="+")
    encrypted_keystore = models.BinaryField(editable=False)
    file_name = models.CharField(max_length=255)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("one-time keystore download")
        verbose_name_plural = _("one-time keystore downloads")
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=F("created_at")), name="keystore_download_expires_later"),
        ]
