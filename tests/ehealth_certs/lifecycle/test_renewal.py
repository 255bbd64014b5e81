"""Renewal: the steps panel inside the renewal window, ticks with who/when, closure by the import."""
from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse

from ehealth_certs.lifecycle import keystore_import, renewal
from oxygen.errors import Refused
from ehealth_certs.models import Certificate, CertificateState, RenewalStep, RenewalStepTick
from tests.ehealth_certs.keystores import NOW, PASSWORD, person_keystore

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ehealth_settings")]

EXPIRING_DAYS = 60  # inside the 3-month renewal window
OLD_NAME = "SSIN=85073003328 20230101-090000.p12"
RENEWED_NAME = "SSIN=85073003328 20250314-101500.p12"


def imported(record, days, name=OLD_NAME, user=None):
    outcome = keystore_import.import_keystore(
        record, person_keystore(not_after_days=days), PASSWORD, actor=user, source_name=name
    )
    assert outcome.imported, outcome.message
    return outcome.certificate


def step_url(record, certificate):
    return reverse("ehealth_certs:renewal_step", kwargs={"public_id": record.public_id, "certificate_id": certificate.public_id})


def panel(page: str) -> str:
    match = re.search(r'<section id="renewal-panel".*?</section>', page, re.S)
    return match.group(0) if match else ""


# --------------------------------------------------------------------------- service


def test_no_panel_outside_the_renewal_window(practitioner_record):
    imported(practitioner_record, 3 * 365)

    assert renewal.renewal_panel(practitioner_record) is None


def test_panel_lists_the_steps_inside_the_window(practitioner_record):
    certificate = imported(practitioner_record, EXPIRING_DAYS)

    panel_ = renewal.renewal_panel(practitioner_record)

    assert panel_.certificate == certificate
    assert [step.step for step in panel_.steps] == ["renew", "complete", "activate_etk"]
    assert not any(step.done for step in panel_.steps)


def test_tick_keeps_who_and_when_and_untick_removes_it(practitioner_record, practitioner_user):
    certificate = imported(practitioner_record, EXPIRING_DAYS)

    assert renewal.tick_step(certificate, RenewalStep.RENEW, actor=practitioner_user, now=NOW)
    assert renewal.tick_step(certificate, RenewalStep.RENEW, actor=None)  # twice: kept as first ticked

    [tick] = RenewalStepTick.objects.all()
    assert (tick.step, tick.ticked_by, tick.ticked_at) == ("renew", practitioner_user, NOW)
    renewal.untick_step(certificate, RenewalStep.RENEW)
    assert not RenewalStepTick.objects.exists()


def test_unknown_step_is_refused(practitioner_record):
    certificate = imported(practitioner_record, EXPIRING_DAYS)

    with pytest.raises(ValueError):
        renewal.tick_step(certificate, "pray")
    with pytest.raises(IntegrityError), transaction.atomic():
        RenewalStepTick.objects.create(certificate=certificate, step="pray", ticked_at=NOW)


def test_steps_of_a_certificate_no_longer_active_cannot_change(practitioner_record, administrator):
    certificate = imported(practitioner_record, EXPIRING_DAYS)
    renewal.tick_step(certificate, RenewalStep.RENEW)
    keystore_import.remove_certificate(certificate, actor=administrator)

    with pytest.raises(Refused) as refused:
        renewal.tick_step(certificate, RenewalStep.COMPLETE)
    assert refused.value.code == renewal.NOT_ACTIVE
    with pytest.raises(Refused) as refused:
        renewal.untick_step(certificate, RenewalStep.RENEW)
    assert refused.value.code == renewal.NOT_ACTIVE
    assert list(RenewalStepTick.objects.values_list("step", flat=True)) == ["renew"]


def test_importing_the_renewed_keystore_closes_the_renewal(practitioner_record, practitioner_user):
    old = imported(practitioner_record, EXPIRING_DAYS)
    for step in RenewalStep:
        renewal.tick_step(old, step, actor=practitioner_user)

    renewed = imported(practitioner_record, 3 * 365 + EXPIRING_DAYS, name=RENEWED_NAME)

    assert Certificate.objects.get(pk=old.pk).state == CertificateState.SUPERSEDED
    assert renewal.renewal_panel(practitioner_record) is None
    closure = renewal.last_renewal(practitioner_record)
    assert (closure.renewed, closure.previous) == (renewed, old)
    assert all(step.done for step in closure.steps)


def test_an_older_keystore_is_refused_with_a_message_to_pick_the_most_recent_file(practitioner_record):
    imported(practitioner_record, EXPIRING_DAYS)

    with pytest.raises(Refused) as refused:
        keystore_import.import_keystore(
            practitioner_record, person_keystore(not_after_days=EXPIRING_DAYS - 30), PASSWORD, source_name=OLD_NAME
        )

    assert refused.value.code == "older_than_active"
    assert "Pick the most recent keystore file (the newest date in its name)" in str(refused.value.params["outcome"].message)


# --------------------------------------------------------------------------- pages


def test_practitioner_ticks_steps_on_the_record(client, practitioner_record, practitioner_user):
    certificate = imported(practitioner_record, EXPIRING_DAYS)
    client.force_login(practitioner_user)

    page = client.get(practitioner_record.get_absolute_url()).content.decode()
    assert 'data-step="renew" data-done="0"' in panel(page)
    assert 'data-step="import"' in panel(page)

    response = client.post(step_url(practitioner_record, certificate), {"step": "renew", "done": "1"})

    assert response.status_code == 302 and response.url.endswith("#renewal-panel")
    page = client.get(practitioner_record.get_absolute_url()).content.decode()
    assert 'data-step="renew" data-done="1"' in panel(page)
    assert "ticked on" in panel(page) and "jan" in panel(page)

    client.post(step_url(practitioner_record, certificate), {"step": "renew", "done": "0"})
    assert not RenewalStepTick.objects.exists()


def test_bad_tick_requests_change_nothing(client, practitioner_record, administrator):
    certificate = imported(practitioner_record, EXPIRING_DAYS)
    client.force_login(administrator)

    for data in ({"step": "pray", "done": "1"}, {"step": "renew", "done": "maybe"}, {}):
        response = client.post(step_url(practitioner_record, certificate), data, follow=True)
        assert response.status_code == 200
        assert "Unknown renewal step" in response.content.decode()
    assert client.get(step_url(practitioner_record, certificate)).status_code == 405
    assert not RenewalStepTick.objects.exists()


def test_front_desk_sees_no_panel_and_cannot_tick(client, practitioner_record, front_desk):
    certificate = imported(practitioner_record, EXPIRING_DAYS)
    client.force_login(front_desk)

    assert panel(client.get(practitioner_record.get_absolute_url()).content.decode()) == ""
    assert client.post(step_url(practitioner_record, certificate), {"step": "renew", "done": "1"}).status_code == 403
    assert not RenewalStepTick.objects.exists()


def test_the_record_shows_the_closure_after_the_renewed_import(client, practitioner_record, practitioner_user):
    imported(practitioner_record, EXPIRING_DAYS)
    client.force_login(practitioner_user)

    response = client.post(
        reverse("ehealth_certs:upload", kwargs={"public_id": practitioner_record.public_id}),
        {"keystore": SimpleUploadedFile(RENEWED_NAME, person_keystore(not_after_days=3 * 365 + EXPIRING_DAYS)), "password": PASSWORD},
    )
    assert response.status_code == 302

    page = client.get(practitioner_record.get_absolute_url()).content.decode()
    assert panel(page) == ""
    assert 'id="renewal-closure"' in page and "gets no more reminders" in page
