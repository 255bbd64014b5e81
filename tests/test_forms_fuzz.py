"""Hostile input in every form and filter: never a 500, always shown escaped, nothing stored when refused.

Each property posts (or GETs) random and hostile strings: very long ones, control characters, NUL
bytes, markup and script, SQL quotes, non-Latin scripts and right-to-left marks. A submission that
is not accepted (anything but a redirect) must leave every registry and certificate row as it was
(the audit log aside: refusals are recorded there on purpose).
"""
from __future__ import annotations

import os

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.models import Scope, ServiceToken
from ehealth_certs.lifecycle import keystore_import
from ehealth_certs.models import RenewalStep, RevocationReason
from tests.ehealth_certs.keystores import PASSWORD, person_keystore
from tests.url_matrix import snapshot

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ehealth_settings")]

MARKUP = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "<oxygen-fuzz>")
HOSTILE = st.sampled_from([
    *MARKUP,
    "'; DROP TABLE practitioners_practitioner; --", "' OR '1'='1", '"', "\\", "%", "_",
    "\x00", "a\x00b", "\x07\x1b[31m", "\r\n", "\t",
    "\u202e", "\u200f", "\u202dabc\u202c", "\ufeff",
    "مرحبا", "שלום", "Ελληνικά", "日本語", "Ω≈ç√∫", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "👩‍⚕️",
    "x" * 5000, "9" * 300, "../../etc/passwd", "C:\\Users\\x\\key.p12", "", " ",
    "31/02/2020", "00/00/0000", "99999999999", "85.07.30-033.29", "-1", "1e309", "NaN",
])  # fmt: skip
# a mix of the hostile pieces and random text (surrogates excluded: they cannot be sent in UTF-8)
TEXT = st.lists(st.one_of(HOSTILE, st.text(max_size=40)), max_size=4).map("".join)
BOUNDED = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def certificate(practitioner_record):
    return keystore_import.import_keystore(practitioner_record, person_keystore(), PASSWORD, source_name="k.p12").certificate


def check(response, before, sent: dict) -> None:
    """No server error; the input shown escaped; nothing stored unless the page accepted it."""
    assert response.status_code < 500, response.status_code
    if response.status_code != 302:
        assert snapshot() == before, "a refused submission changed stored data"
    if getattr(response, "streaming", False):
        return
    body = response.content.decode("utf-8", "replace")
    values = [value for value in sent.values() if isinstance(value, str)]
    for marker in MARKUP:
        if any(marker in value for value in values):
            assert marker not in body, f"{marker!r} shown unescaped"


def post(client, url, data, files=None):
    cache.clear()  # the wrong-password throttles would otherwise answer instead of the forms
    before = snapshot()
    response = client.post(url, {**data, **(files or {})})
    check(response, before, data)
    return response


def get(client, url, params):
    before = snapshot()
    response = client.get(url, params)
    check(response, before, params)
    return response


# --------------------------------------------------------------------------- the registry


RECORD_FIELDS = ("last_name", "first_names", "initials", "birth_date", "sex", "language", "niss", "phone",
                 "email", "correspondence_postcode", "enterprise_number", "approval_number", "specialisation")  # fmt: skip
PERIOD_FIELDS = ("profession", "inami_number", "start_date", "end_date")


def upload_file(name: str, content: bytes, fallback: str = "k.p12") -> SimpleUploadedFile:
    """The hostile name as the browser would send it; names the test client itself cannot send
    ("", "/", "..": nothing left after the last slash) become a plain one."""
    name = name.replace("\x00", "")
    if os.path.basename(name) in {"", ".", ".."}:
        name = fallback
    return SimpleUploadedFile(name, content)


@BOUNDED
@given(record=st.fixed_dictionaries({name: TEXT for name in RECORD_FIELDS}),
       periods=st.lists(st.fixed_dictionaries({name: TEXT for name in PERIOD_FIELDS}), min_size=1, max_size=2),
       total=st.one_of(st.none(), TEXT))  # fmt: skip
def test_record_form(client, front_desk, practitioner_record, record, periods, total):
    client.force_login(front_desk)
    data = {**record, "periods-TOTAL_FORMS": str(len(periods)) if total is None else total,
            "periods-INITIAL_FORMS": "0", "periods-MIN_NUM_FORMS": "0", "periods-MAX_NUM_FORMS": "1000"}  # fmt: skip
    for index, period in enumerate(periods):
        data.update({f"periods-{index}-{name}": value for name, value in period.items()})
    post(client, reverse("practitioners:create"), data)
    post(client, reverse("practitioners:edit", kwargs={"public_id": practitioner_record.public_id}), data)


def test_a_wrong_period_field_is_marked_not_a_server_error(client, front_desk):
    """Found by test_record_form: any field error in a period row made the page fail (500)."""
    client.force_login(front_desk)
    data = {"last_name": "Claes", "first_names": "Lotte", "language": "nl", "contact_type": "provider",
            "periods-TOTAL_FORMS": "1", "periods-INITIAL_FORMS": "0", "periods-0-profession": "physiotherapist",
            "periods-0-inami_number": "5/38861/72/521", "periods-0-start_date": "01/01/2020"}  # fmt: skip
    response = post(client, reverse("practitioners:create"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'aria-describedby="id_periods-0-inami_number_error"' in page
    assert "The INAMI number check digits do not match" in page


@BOUNDED
@given(contact=st.fixed_dictionaries({name: TEXT for name in (
    "correspondence_street", "correspondence_postcode", "correspondence_municipality", "practice_street",
    "practice_postcode", "practice_municipality", "phone", "mobile", "email")}))  # fmt: skip
def test_contact_form(client, practitioner_user, practitioner_record, contact):
    client.force_login(practitioner_user)
    post(client, reverse("practitioners:contact", kwargs={"public_id": practitioner_record.public_id}), contact)


@BOUNDED
@given(content=st.one_of(TEXT.map(str.encode), st.binary(max_size=2000)), name=TEXT)
def test_csv_import_upload(client, administrator, content, name):
    client.force_login(administrator)
    upload = upload_file(name, content, fallback="x.csv")
    response = post(client, reverse("practitioners:import"), {}, {"file": upload})
    assert response.status_code in (200, 302)


@BOUNDED
@given(params=st.fixed_dictionaries({name: TEXT for name in (
    "q", "profession", "conventioned", "status", "certificate", "ordering", "page", "page_size")}))  # fmt: skip
def test_registry_list_search_and_filters(client, front_desk, params):
    client.force_login(front_desk)
    get(client, reverse("practitioners:list"), params)


@BOUNDED
@given(params=st.fixed_dictionaries({name: TEXT for name in ("kind", "user", "since", "until", "page")}))
def test_audit_filters(client, administrator, params):
    client.force_login(administrator)
    get(client, reverse("audit:list"), params)


@BOUNDED
@given(params=st.fixed_dictionaries({name: TEXT for name in ("page", "log_page")}))
def test_certificates_overview_pages(client, administrator, params):
    client.force_login(administrator)
    get(client, reverse("ehealth_certs:overview"), params)


# --------------------------------------------------------------------------- keystores and their life cycle


@BOUNDED
@given(password=TEXT, name=TEXT, content=st.one_of(st.binary(max_size=3000), st.just(b"")))
def test_keystore_upload(client, practitioner_user, practitioner_record, password, name, content):
    client.force_login(practitioner_user)
    upload = upload_file(name, content)
    url = reverse("ehealth_certs:upload", kwargs={"public_id": practitioner_record.public_id})
    response = post(client, url, {"password": password}, {"keystore": upload})
    assert response.status_code == 200  # random bytes are never a keystore


@BOUNDED
@given(current=TEXT, new=TEXT, confirmation=TEXT)
def test_stored_keystore_password_change(client, practitioner_user, practitioner_record, certificate, current, new, confirmation):
    client.force_login(practitioner_user)
    url = reverse("ehealth_certs:password", kwargs={"public_id": practitioner_record.public_id, "certificate_id": certificate.public_id})
    post(client, url, {"current_password": current, "new_password": new, "confirmation": confirmation})


@BOUNDED
@given(current=TEXT, new=TEXT, name=TEXT, content=st.binary(max_size=2000))
def test_uploaded_keystore_password_change(client, practitioner_user, practitioner_record, current, new, name, content):
    client.force_login(practitioner_user)
    url = reverse("ehealth_certs:password_file", kwargs={"public_id": practitioner_record.public_id})
    upload = upload_file(name, content)
    response = post(client, url, {"current_password": current, "new_password": new, "confirmation": new}, {"keystore": upload})
    assert response.status_code in (200, 429)


@BOUNDED
@given(reason=st.one_of(TEXT, st.sampled_from(RevocationReason.values)), text=TEXT, date=TEXT)
def test_revocation_form(client, practitioner_user, practitioner_record, certificate, reason, text, date):
    client.force_login(practitioner_user)
    url = reverse("ehealth_certs:revoke", kwargs={"public_id": practitioner_record.public_id, "certificate_id": certificate.public_id})
    post(client, url, {"reason": reason, "reason_text": text, "revocation_date": date})


@BOUNDED
@given(step=TEXT, done=TEXT)
def test_renewal_tick(client, practitioner_user, practitioner_record, certificate, step, done):
    """The page always redirects back to the record: an unknown step or value must change nothing."""
    client.force_login(practitioner_user)
    url = reverse("ehealth_certs:renewal_step", kwargs={"public_id": practitioner_record.public_id, "certificate_id": certificate.public_id})
    before = snapshot()
    response = post(client, url, {"step": step, "done": done})
    assert response.status_code == 302
    if step not in RenewalStep.values or done not in ("0", "1"):
        assert snapshot() == before


@BOUNDED
@given(pin=TEXT, action=st.one_of(TEXT, st.just("prove"), st.just("read")))
def test_eid_pin_form(client, practitioner_user, practitioner_record, pin, action):
    client.force_login(practitioner_user)
    url = reverse("eid:record", kwargs={"public_id": practitioner_record.public_id})
    post(client, url, {"pin": pin, "action": action})


# --------------------------------------------------------------------------- the programs' service tokens


@BOUNDED
@given(name=TEXT, scopes=st.lists(st.one_of(TEXT, st.sampled_from(Scope.values)), max_size=3),
       rate=st.one_of(TEXT, st.integers(min_value=-10, max_value=200_000).map(str)))  # fmt: skip
def test_service_token_form(client, administrator, name, scopes, rate):
    """A token the page accepts is shown (200, not a redirect): it is taken away again before the check."""
    client.force_login(administrator)
    before = snapshot()
    data = {"name": name, "scopes": scopes, "requests_per_minute": rate}
    response = client.post(reverse("api:service_token_create"), data)
    if response.status_code == 200 and "token_text" in response.context:
        assert ServiceToken.objects.filter(name=name.strip()).count() == 1
        ServiceToken.objects.all().delete()
    check(response, before, data)
