"""Reading the eID card from the record and for a new record, against a SoftHSM2 token."""
from __future__ import annotations

import re

import PyKCS11
import pytest
from django.urls import reverse

from audit.models import AuditEvent, EventKind
from practitioners.models import Practitioner
from tests import softhsm

pytestmark = pytest.mark.django_db

OTHER_NISS = "03021500440"


@pytest.fixture(autouse=True)
def _fresh_pin_limits():
    """PIN attempts are counted per user in the cache, and user ids repeat from test to test."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def card(softhsm_token, settings):
    settings.EID_PKCS11_MODULE = softhsm_token.module_path
    return softhsm_token


def eid_url(record):
    return reverse("eid:record", kwargs={"public_id": record.public_id})


def read(client, record, **data):
    return client.post(eid_url(record), {"action": "read", **data})


def comparison(page: str) -> str:
    match = re.search(r'<div class="alert[^"]*" id="eid-comparison">.*?</div>', page, re.S)
    return match.group(0) if match else ""


@pytest.mark.parametrize("who", ["front_desk", "administrator", "practitioner_user"])
def test_who_may_read_the_card_on_a_record(who, request, client, card, practitioner_record):
    client.force_login(request.getfixturevalue(who))

    assert client.get(eid_url(practitioner_record)).status_code == 200
    response = read(client, practitioner_record)

    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="eid-niss">85.07.30-033.28<' in page
    assert "Peeters" in page and "Jan Marie" in page and "31/07/2031" in page  # 30/07 23:59:59 UTC, in Brussels time
    assert "The card's national number is the record's NISS." in comparison(page)


def test_another_practitioner_may_not(client, card, practitioner_record, other_practitioner_user):
    client.force_login(other_practitioner_user)

    assert client.get(eid_url(practitioner_record)).status_code == 403
    assert read(client, practitioner_record).status_code == 403
    assert not AuditEvent.objects.filter(kind=EventKind.EID_READ).exists()


def test_a_different_niss_is_shown_clearly(client, card, other_record, administrator):
    client.force_login(administrator)

    page = read(client, other_record).content.decode()

    shown = comparison(page)
    assert "The NISS differs." in shown
    assert "The eID card belongs to national number 85073003328, not to 03021500440." in shown
    assert "Card: 85.07.30-033.28 · Record: 03.02.15-004.40" in shown


def test_a_record_without_niss(client, card, administrator):
    record = Practitioner.objects.create(last_name="Peeters", first_names="Jan")
    client.force_login(administrator)

    page = read(client, record).content.decode()

    assert "The record has no NISS yet: the card's national number is 85.07.30-033.28." in comparison(page)
    record.refresh_from_db()
    assert record.niss == ""  # never saved automatically


def test_proof_of_possession_with_the_pin(client, card, practitioner_record, practitioner_user):
    client.force_login(practitioner_user)

    response = client.post(eid_url(practitioner_record), {"action": "prove", "pin": card.pin})

    page = response.content.decode()
    assert 'id="eid-proof"' in page and 'data-proved="1"' in page
    [event] = AuditEvent.objects.filter(kind=EventKind.EID_READ)
    assert event.details["proof"] is True and event.details["matches_record"] is True
    assert card.pin not in str(event.details)


def test_wrong_pin(client, card, practitioner_record, practitioner_user):
    client.force_login(practitioner_user)

    response = client.post(eid_url(practitioner_record), {"action": "prove", "pin": "9999"})

    page = response.content.decode()
    assert 'data-error="wrong_pin"' in page
    assert "Wrong PIN. Few attempts are left before the PIN is blocked." in page
    assert "9999" not in page
    [event] = AuditEvent.objects.filter(kind=EventKind.EID_READ)
    assert event.details == {"error": "wrong_pin", "proof": True}


def test_pin_locked(client, card, practitioner_record, practitioner_user, monkeypatch):
    def locked(self, pin, user_type=PyKCS11.CKU_USER):
        raise PyKCS11.PyKCS11Error(PyKCS11.CKR_PIN_LOCKED)

    monkeypatch.setattr(PyKCS11.Session, "login", locked)
    client.force_login(practitioner_user)

    page = client.post(eid_url(practitioner_record), {"action": "prove", "pin": card.pin}).content.decode()

    assert 'data-error="pin_locked"' in page and "unblocked at the municipality with the PUK code" in page


def test_empty_pin_is_refused_before_asking_the_card(client, card, practitioner_record, practitioner_user):
    client.force_login(practitioner_user)

    page = client.post(eid_url(practitioner_record), {"action": "prove", "pin": ""}).content.decode()

    assert 'id="pin-error"' in page
    assert not AuditEvent.objects.filter(kind=EventKind.EID_READ).exists()


def test_module_missing(client, settings, tmp_path, practitioner_record, front_desk):
    settings.EID_PKCS11_MODULE = str(tmp_path / "libbeidpkcs11.so.0")
    client.force_login(front_desk)

    page = read(client, practitioner_record).content.decode()

    assert 'data-error="module_missing"' in page and "is not installed or cannot be loaded" in page


def test_no_card(client, settings, softhsm_factory, practitioner_record, front_desk):
    token = softhsm_factory.create(initialise=False)
    settings.EID_PKCS11_MODULE = token.module_path
    client.force_login(front_desk)

    page = read(client, practitioner_record).content.decode()

    assert 'data-error="no_card"' in page and "Insert the eID card" in page


def test_no_reader(client, card, practitioner_record, front_desk, monkeypatch):
    monkeypatch.setattr(PyKCS11.PyKCS11Lib, "getSlotList", lambda self, tokenPresent=False: [])
    client.force_login(front_desk)

    page = read(client, practitioner_record).content.decode()

    assert 'data-error="no_reader"' in page and "Connect a card reader" in page


# --------------------------------------------------------------------------- new record


def test_new_record_form_is_filled_from_the_card_and_saved_only_by_the_user(client, settings, softhsm_factory, front_desk):
    token = softhsm_factory.create(identity=softhsm.EidIdentity(niss=OTHER_NISS, last_name="Dubois", first_names="Marie Anne"))
    settings.EID_PKCS11_MODULE = token.module_path
    client.force_login(front_desk)

    response = client.post(reverse("eid:read"))

    assert response.status_code == 302 and response.url == reverse("eid:create")
    assert not Practitioner.objects.exists()  # never saved automatically
    form_page = client.get(response.url).content.decode()
    assert 'value="Dubois"' in form_page and 'value="Marie Anne"' in form_page
    assert 'value="03021500440"' in form_page and "15/02/2003" in form_page
    assert re.search(r'<option value="F" selected>', form_page)
    data = {
        "last_name": "Dubois", "first_names": "Marie Anne", "birth_date": "15/02/2003", "sex": "F", "language": "fr",
        "contact_type": "provider", "niss": OTHER_NISS, "is_active": "on",
        "periods-TOTAL_FORMS": "0", "periods-INITIAL_FORMS": "0", "periods-MIN_NUM_FORMS": "0", "periods-MAX_NUM_FORMS": "1000",
    }
    saved = client.post(reverse("eid:create"), data)
    assert saved.status_code == 302
    assert Practitioner.objects.get().niss == OTHER_NISS
    assert client.get(reverse("eid:create")).status_code == 302  # the card's data were used up


def test_new_record_from_a_card_whose_niss_is_already_recorded(client, card, practitioner_record, administrator):
    client.force_login(administrator)

    response = client.post(reverse("eid:read"))

    assert response.status_code == 200
    assert "A record already has this NISS" in comparison(response.content.decode())
    assert practitioner_record.get_absolute_url() in response.content.decode()
    assert Practitioner.objects.count() == 1


def test_new_record_reading_errors(client, settings, tmp_path, administrator):
    settings.EID_PKCS11_MODULE = str(tmp_path / "missing.so")
    client.force_login(administrator)

    page = client.post(reverse("eid:read")).content.decode()

    assert 'data-error="module_missing"' in page


def test_prefilled_form_without_a_reading_goes_back_to_the_reader(client, administrator):
    client.force_login(administrator)

    assert client.get(reverse("eid:create")).url == reverse("eid:read")


def test_practitioners_cannot_create_records_from_a_card(client, card, practitioner_user):
    client.force_login(practitioner_user)

    assert client.get(reverse("eid:read")).status_code == 403
    assert client.post(reverse("eid:read")).status_code == 403
    assert client.get(reverse("eid:create")).status_code == 403


def test_front_desk_may_read_the_card_but_never_submit_a_pin(client, card, practitioner_record, front_desk, monkeypatch):
    def must_not_run(self, pin, user_type=PyKCS11.CKU_USER):
        raise AssertionError("a PIN reached the card")

    monkeypatch.setattr(PyKCS11.Session, "login", must_not_run)
    client.force_login(front_desk)

    page = client.get(eid_url(practitioner_record)).content.decode()
    assert 'id="eid-read-form"' in page and 'id="eid-prove-form"' not in page
    assert client.post(eid_url(practitioner_record), {"action": "prove", "pin": card.pin}).status_code == 403


@pytest.mark.parametrize("who", ["administrator", "practitioner_user"])
def test_the_practitioner_and_administrators_see_the_pin_form(who, request, client, card, practitioner_record):
    client.force_login(request.getfixturevalue(who))
    assert 'id="eid-prove-form"' in client.get(eid_url(practitioner_record)).content.decode()


def test_pin_attempts_are_limited_per_user(settings, client, card, practitioner_record, other_record, administrator, monkeypatch):
    settings.EID_PIN_ATTEMPTS_PER_USER = 3
    tried = []

    def wrong_pin(self, pin, user_type=PyKCS11.CKU_USER):
        tried.append(pin)
        raise PyKCS11.PyKCS11Error(PyKCS11.CKR_PIN_INCORRECT)

    monkeypatch.setattr(PyKCS11.Session, "login", wrong_pin)
    client.force_login(administrator)
    for record in (practitioner_record, practitioner_record, other_record):
        page = client.post(eid_url(record), {"action": "prove", "pin": "1111"}).content.decode()
        assert 'data-error="wrong_pin"' in page

    page = client.post(eid_url(other_record), {"action": "prove", "pin": "1111"}).content.decode()

    assert 'data-error="pin_attempts_exhausted"' in page and "Too many PIN checks from your account" in page
    assert len(tried) == 3
    assert AuditEvent.objects.filter(kind=EventKind.EID_READ, details__error="pin_attempts_exhausted").count() == 1
    assert 'id="eid-niss"' in read(client, other_record).content.decode()  # reading without a PIN still works
