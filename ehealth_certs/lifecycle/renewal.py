"""Renewal of a record's certificate: the steps done in the Certificate Manager, ticked here.

Inside the renewal window (``EHEALTH_RENEWAL_WINDOW_MONTHS`` before expiry) the record shows the
steps: renew with the eID, complete the renewal, activate the renewed ETK (ticked by the
practitioner or an administrator, with who and when), then import the renewed keystore here. The
import (``services.import_keystore``) closes the renewal: the renewed certificate becomes active
and the old one superseded, which ends its reminders and its panel.

A step of a certificate that is no longer active cannot change: ``Refused(NOT_ACTIVE)``
(see ``oxygen.errors``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from oxygen.errors import Refused
from practitioners.models import Practitioner

from ehealth_certs import selectors
from ehealth_certs.models import Certificate, CertificateState, RenewalStep, RenewalStepTick, stored_bytes

NOT_ACTIVE = "not_active"


@dataclass(frozen=True)
class StepState:
    step: str
    label: str
    tick: RenewalStepTick | None

    @property
    def done(self) -> bool:
        return self.tick is not None


@dataclass(frozen=True)
class RenewalPanel:
    certificate: Certificate
    status: str  # selectors.EXPIRING or selectors.EXPIRED
    steps: list[StepState]

    @property
    def all_ticked(self) -> bool:
        return all(step.done for step in self.steps)


@dataclass(frozen=True)
class RenewalClosure:
    """The last renewal of a record: the renewed (active) certificate and the one it replaced."""

    renewed: Certificate
    previous: Certificate
    steps: list[StepState]


def step_states(certificate: Certificate) -> list[StepState]:
    ticks = {tick.step: tick for tick in certificate.renewal_ticks.select_related("ticked_by")}
    return [StepState(step.value, step.label, ticks.get(step.value)) for step in RenewalStep]


def renewal_panel(practitioner: Practitioner, now: datetime | None = None) -> RenewalPanel | None:
    """The steps of the active certificate while it is in the renewal window, else None."""
    status = selectors.certificate_status(practitioner, now)
    if status.certificate is None or status.status != selectors.EXPIRING:
        return None
    return RenewalPanel(status.certificate, status.status, step_states(status.certificate))


def last_renewal(practitioner: Practitioner) -> RenewalClosure | None:
    """The active certificate and the certificate its import superseded, if it replaced one."""
    renewed = selectors.active_certificate(practitioner)
    if renewed is None:
        return None
    previous = (
        practitioner.certificates.defer(*stored_bytes())
        .filter(superseded_at=renewed.uploaded_at)
        .exclude(pk=renewed.pk)
        .first()
    )
    if previous is None:
        return None
    return RenewalClosure(renewed, previous, step_states(previous))


def _require_active(certificate: Certificate) -> None:
    if not Certificate.objects.filter(pk=certificate.pk, state=CertificateState.ACTIVE).exists():
        raise Refused(NOT_ACTIVE)


def tick_step(certificate: Certificate, step: str, *, actor=None, now: datetime | None = None) -> RenewalStepTick:
    """Mark ``step`` done (by ``actor``) for the active ``certificate``; its tick (ticking twice keeps the first).

    Raises ``Refused(NOT_ACTIVE)`` when the certificate is no longer active.
    """
    step = RenewalStep(step)
    _require_active(certificate)
    try:
        with transaction.atomic():
            tick, _created = RenewalStepTick.objects.get_or_create(
                certificate=certificate,
                step=step,
                defaults={"ticked_by": actor, "ticked_at": now or timezone.now()},
            )
    except IntegrityError:  # ticked at the same moment by somebody else: it is ticked
        tick = RenewalStepTick.objects.get(certificate=certificate, step=step)
    return tick


def untick_step(certificate: Certificate, step: str) -> None:
    """Mark ``step`` not done again for the active ``certificate``.

    Raises ``Refused(NOT_ACTIVE)`` when the certificate is no longer active.
    """
    step = RenewalStep(step)
    _require_active(certificate)
    RenewalStepTick.objects.filter(certificate=certificate, step=step).delete()
