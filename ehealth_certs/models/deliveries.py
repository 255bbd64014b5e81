"""The mails owed about certificates (expiry reminders, the administrators' digest, revocation
notices), each a row claimed and sent once, and the runs of the daily scan."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ehealth_certs.models.certificates import Certificate
from ehealth_certs.reminders import thresholds


def new_message_id() -> str:
    """A Message-ID made once per reminder row and reused on every attempt to send it."""
    from email.utils import make_msgid

    return make_msgid(domain=settings.EHEALTH_REMINDER_MESSAGE_ID_DOMAIN)


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("pending")
    SENDING = "sending", _("sending")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")
    CANCELLED = "cancelled", _("cancelled")


class Delivery(models.Model):
    """One e-mail owed: claimed by a conditional UPDATE (pending/failed/stale sending -> sending), then sent."""

    recipient_email = models.EmailField(_("recipient e-mail"))
    state = models.CharField(_("state"), max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True, default=new_message_id, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        abstract = True


class Reminder(Delivery):
    """A reminder to the certificate's practitioner: at most one per certificate and threshold.

    The recipient is always the certificate's practitioner (administrators get :class:`AdminDigest`
    rows), so certificate + threshold identify the recipient too.
    """

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="reminders")
    threshold = models.CharField(
        _("threshold"), max_length=10, help_text=_('"window", "expired", or a number of days before expiry such as "30d".')
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("expiry reminder")
        verbose_name_plural = _("expiry reminders")
        constraints = [
            models.UniqueConstraint(fields=["certificate", "threshold"], name="reminder_once_per_certificate_threshold"),
            models.CheckConstraint(
                condition=Q(threshold__in=[thresholds.WINDOW, thresholds.EXPIRED]) | Q(threshold__regex=r"^[0-9]{1,4}d$"),
                name="reminder_threshold_known",
            ),
            models.CheckConstraint(condition=Q(state__in=DeliveryState.values), name="reminder_state_known"),
            models.CheckConstraint(
                condition=~Q(state=DeliveryState.SENT) | Q(sent_at__isnull=False), name="reminder_sent_has_date"
            ),
        ]
        indexes = [models.Index(fields=["state", "claimed_at"], name="reminder_state_claimed_idx")]

    def __str__(self) -> str:
        return f"{self.threshold} → {self.recipient_email} ({self.get_state_display()})"


class AdminDigest(Delivery):
    """The administrators' daily digest: one per day and administrator, listing the certificates due."""

    day = models.DateField(_("day"))
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["-day", "-pk"]
        verbose_name = _("administrators' reminder digest")
        verbose_name_plural = _("administrators' reminder digests")
        constraints = [
            models.UniqueConstraint(fields=["day", "recipient"], name="digest_once_per_day_and_recipient"),
            models.CheckConstraint(condition=Q(state__in=DeliveryState.values), name="digest_state_known"),
            models.CheckConstraint(
                condition=~Q(state=DeliveryState.SENT) | Q(sent_at__isnull=False), name="digest_sent_has_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day:%d/%m/%Y} → {self.recipient_email} ({self.get_state_display()})"


class RevocationNotice(Delivery):
    """The mail telling a practitioner that the certification authority revoked their certificate: once per certificate."""

    certificate = models.OneToOneField(Certificate, on_delete=models.CASCADE, related_name="revocation_notice")

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("revocation notice")
        verbose_name_plural = _("revocation notices")
        constraints = [
            models.CheckConstraint(condition=Q(state__in=DeliveryState.values), name="revocation_notice_state_known"),
            models.CheckConstraint(
                condition=~Q(state=DeliveryState.SENT) | Q(sent_at__isnull=False), name="revocation_notice_sent_has_date"
            ),
        ]

    def __str__(self) -> str:
        return f"revoked → {self.recipient_email} ({self.get_state_display()})"


class ScanRun(models.Model):
    """One run of the daily expiry scan (the latest tells when the scheduler last ran)."""

    ran_at = models.DateTimeField(_("ran at"))
    day = models.DateField(_("day"))
    reminders_created = models.PositiveIntegerField(_("reminders created"), default=0)
    digests_created = models.PositiveIntegerField(_("digests created"), default=0)

    class Meta:
        ordering = ["-ran_at", "-pk"]
        get_latest_by = "ran_at"
        verbose_name = _("expiry scan")
        verbose_name_plural = _("expiry scans")

    def __str__(self) -> str:
        return f"{self.ran_at:%d/%m/%Y %H:%M}"
