"""Who may call what: tokens by scope, users by the pages' rules; 401, 403 and 429 in JSON."""
from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone

from api.models import Scope, ServiceToken
from api.services import hash_of, revoke_token
from tests.factories import add_period

pytestmark = pytest.mark.django_db

REGISTRY_ONLY = (Scope.REGISTRY,)
CERTIFICATES_ONLY = (Scope.CERTIFICATES,)


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()


def addresses(record) -> dict[str, str]:
    base = f"/api/v1/practitioners/{record.public_id}"
    return {"list": "/api/v1/practitioners", "detail": base, "inami": f"{base}/inami", "certificate": f"{base}/certificate"}


@pytest.mark.parametrize(
    "scopes, allowed",
    [
        (REGISTRY_ONLY, {"list", "detail", "inami"}),
        (CERTIFICATES_ONLY, {"certificate"}),
        ((Scope.REGISTRY, Scope.CERTIFICATES), {"list", "detail", "inami", "certificate"}),
    ],
)
def test_a_token_reads_what_its_scopes_allow(make_token, token_client, practitioner_record, scopes, allowed):
    add_period(practitioner_record)
    caller = token_client(make_token(scopes=scopes))
    for name, address in addresses(practitioner_record).items():
        answer = caller.get(address)
        if name in allowed:
            assert answer.status_code == 200, (name, answer.json())
        else:
            assert answer.status_code == 403, name
            assert answer.json()["code"] == "scope_missing"
            assert "lacks the scope" in answer.json()["detail"]


@pytest.mark.parametrize(
    "role, own_allowed, others_allowed",
    [
        ("front_desk", {"list", "detail", "inami", "certificate"}, {"detail", "inami", "certificate"}),
        ("administrator", {"list", "detail", "inami", "certificate"}, {"detail", "inami", "certificate"}),
        ("practitioner_user", {"detail", "inami", "certificate"}, set()),
    ],
)
def test_logged_in_users_have_the_pages_rules(request, client, practitioner_record, other_record, role, own_allowed, others_allowed):
    """A practitioner reads their own record (not the list, not a colleague's); front desk and administrators all."""
    add_period(practitioner_record)
    add_period(other_record, inami_number="10000127001")
    user = request.getfixturevalue(role)
    client.force_login(user)
    for record, allowed in ((practitioner_record, own_allowed), (other_record, others_allowed)):
        for name, address in addresses(record).items():
            if name == "list" and record is other_record:
                continue
            answer = client.get(address)
            expected = 200 if name in allowed else 403
            assert answer.status_code == expected, (role, name, record)
            if expected == 403:
                assert answer.json() == {"code": "not_allowed", "detail": "Your account may not read this."}


@pytest.mark.parametrize("header", [None, "Bearer ", "Bearer oxy_wrong", "Basic dXNlcjpwYXNz", "Token abc"])
def test_no_valid_token_nor_login_is_a_401(client, practitioner_record, header):
    headers = {"authorization": header} if header is not None else {}
    for address in addresses(practitioner_record).values():
        answer = client.get(address, headers=headers)
        assert answer.status_code == 401
        assert answer["WWW-Authenticate"] == "Bearer"
        assert answer.json()["code"] == "not_authenticated"


def test_an_inactive_users_session_is_refused(client, front_desk, practitioner_record):
    client.force_login(front_desk)
    front_desk.is_active = False
    front_desk.save()
    assert client.get(addresses(practitioner_record)["list"]).status_code == 401


def test_a_revoked_token_is_refused_at_once(make_token, token_client, practitioner_record, administrator):
    text = make_token()
    caller = token_client(text)
    assert caller.get("/api/v1/practitioners").status_code == 200
    revoke_token(ServiceToken.objects.get(token_hash=hash_of(text)), actor=administrator)
    assert caller.get("/api/v1/practitioners").status_code == 401


def test_only_the_hash_is_stored_and_the_last_use_is_recorded(make_token, token_client):
    text = make_token()
    token = ServiceToken.objects.get()
    assert token.token_hash == hash_of(text) and text not in str(ServiceToken.objects.values().get())
    assert token.last_used_at is None
    token_client(text).get("/api/v1/practitioners", REMOTE_ADDR="192.0.2.7")
    token.refresh_from_db()
    assert token.last_used_from == "192.0.2.7"
    assert abs(token.last_used_at - timezone.now()) < datetime.timedelta(seconds=5)


def test_over_its_rate_limit_a_token_gets_429_until_the_minute_ends(make_token, token_client, practitioner_record):
    limited, other = token_client(make_token(requests_per_minute=3)), token_client(make_token())
    statuses = [limited.get("/api/v1/practitioners").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = limited.get(addresses(practitioner_record)["detail"])
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert other.get("/api/v1/practitioners").status_code == 200  # each token has its own limit


def test_the_errors_speak_the_callers_language(make_token, practitioner_record):
    from django.test import Client

    caller = Client(headers={"authorization": f"Bearer {make_token()}", "accept-language": "fr"})
    answer = caller.get(addresses(practitioner_record)["inami"], {"on": "2010-01-01"})
    assert answer.status_code == 404
    assert "numéro INAMI" in answer.json()["detail"]
    dutch = Client(headers={"authorization": f"Bearer {make_token()}", "accept-language": "nl"})
    assert "RIZIV" in dutch.get(addresses(practitioner_record)["inami"], {"on": "2010-01-01"}).json()["detail"]
