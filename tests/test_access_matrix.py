"""Who gets what, for every URL of the project (the URLconf is enumerated: a new page cannot be forgotten).

Roles: anonymous, front desk, practitioner A (the record in the URLs is A's), practitioner B (another
record's practitioner), administrator. Object URLs are filled with A's objects. A POST by a role
that may not use the page must leave every stored row as it was. Users outside the roles' groups
answer as the role their permissions make them (``STAND_INS``): the permissions decide, not the groups.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import reverse
from django.urls.converters import UUIDConverter

from api import services
from api.models import Scope
from ehealth_certs.lifecycle import keystore_import, password_change
from ehealth_certs.reminders import scan
from practitioners import roles
from tests.ehealth_certs.keystores import OTHER_SSIN, PASSWORD, person_keystore
from tests.factories import make_user
from tests.url_matrix import ELSEWHERE, EXPECTED, LOGIN, ROLES, snapshot, url_for, url_patterns

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ehealth_settings")]

# Users in no role's group -> the role they must answer as, on every URL.
STAND_INS = {
    "front_desk_by_permission": "front_desk",  # the front desk group's permissions, given to the user directly
    "administrator_by_permission": "administrator",  # the administrator group's, directly (and staff, for the admin site)
    "no_group": "practitioner_b",  # no group, no permission, no record in the URLs
    "inactive_administrator": "anonymous",  # in the administrator group and a superuser, but inactive
}
EVERYONE = (*ROLES, *STAND_INS)

# URL keyword arguments that are not UUIDs, and how the views check them (tested below).
OWNERSHIP_CHECKED_KWARGS = {"token": "a download token is bound to the user and the record that made it"}
KEY_MATERIAL_MARKERS = ("BEGIN", "PRIVATE KEY", 'type="file"', 'id="password-change-form"', "/download/")


# --------------------------------------------------------------------------- the world the URLs point into


class World:
    def __init__(self, users: dict[str, User | None], kwargs: dict[str, object], a_record, b_record, a_certificate, b_certificate):
        self.users = users
        self.kwargs = kwargs
        self.a_record, self.b_record = a_record, b_record
        self.a_certificate, self.b_certificate = a_certificate, b_certificate

    def client(self, role: str) -> Client:
        client = Client()
        if self.users[role] is not None:
            client.force_login(self.users[role])
        return client


def with_permissions_of(role: str, username: str, **extra) -> User:
    """A user in no group, holding directly the permissions of ``role``'s group."""
    user = make_user(username, **extra)
    user.user_permissions.set(Group.objects.get(name=role).permissions.all())
    return user


def stand_ins() -> dict[str, User]:
    users = {
        "front_desk_by_permission": with_permissions_of(roles.FRONT_DESK, "desk-by-permission"),
        "administrator_by_permission": with_permissions_of(roles.ADMINISTRATOR, "admin-by-permission", is_staff=True),
        "no_group": make_user("nobody"),
        "inactive_administrator": make_user(
            "gone", roles.ADMINISTRATOR, is_staff=True, is_superuser=True, is_active=False
        ),
    }
    outside = [users["front_desk_by_permission"], users["administrator_by_permission"], users["no_group"]]
    assert not Group.objects.filter(user__in=outside).exists()
    assert users["front_desk_by_permission"].user_permissions.exists()
    return users


@pytest.fixture
def world(front_desk, administrator, practitioner_user, practitioner_record, other_practitioner_user, other_record) -> World:
    """A and B each hold a certificate expiring in 20 days (so reminders exist); A has a pending download;
    a program holds a valid service token."""
    a_certificate = keystore_import.import_keystore(
        practitioner_record, person_keystore(not_after_days=20), PASSWORD, source_name="a.p12"
    ).certificate
    b_certificate = keystore_import.import_keystore(
        other_record, person_keystore(ssin=OTHER_SSIN, not_after_days=20), PASSWORD, source_name="b.p12"
    ).certificate
    assert a_certificate is not None and b_certificate is not None
    token = password_change.create_download(practitioner_user, practitioner_record, person_keystore(), "a.p12")
    scan.scan_expiring()
    users = {"anonymous": None, "front_desk": front_desk, "practitioner_a": practitioner_user,
             "practitioner_b": other_practitioner_user, "administrator": administrator, **stand_ins()}  # fmt: skip
    service_token = services.create_token(name="Facturation", scopes=[Scope.REGISTRY], requests_per_minute=600, actor=None).token
    kwargs = {
        "public_id": practitioner_record.public_id, "certificate_id": a_certificate.public_id, "token": token,
        "token_id": service_token.public_id,
    }
    return World(users, kwargs, practitioner_record, other_record, a_certificate, b_certificate)


def check_answer(response, expected, login_url: str) -> None:
    if expected == LOGIN:
        assert response.status_code == 302 and response.url.startswith(login_url), (response.status_code, getattr(response, "url", ""))
    elif expected == ELSEWHERE:
        assert response.status_code == 302 and not response.url.startswith(login_url), (response.status_code, getattr(response, "url", ""))
    elif isinstance(expected, frozenset):
        assert response.status_code in expected
    else:
        assert response.status_code == expected


def body_of(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


# --------------------------------------------------------------------------- coverage of the URLconf


def test_every_url_name_has_an_expectation():
    names = {name for name, route, _converters in url_patterns() if not route.startswith("admin/")}
    unnamed = sorted(route for name, route, _converters in url_patterns() if name is None and not route.startswith("admin/"))
    assert not unnamed, f"URLs without a name cannot be checked: {unnamed}"
    missing = sorted(names - set(EXPECTED))
    assert not missing, f"add these URLs to EXPECTED in tests/url_matrix.py: {missing}"
    assert not set(EXPECTED) - names, f"EXPECTED names URLs that no longer exist: {sorted(set(EXPECTED) - names)}"


def test_object_ids_in_urls_are_uuids_or_checked_for_ownership():
    """The Django admin aside: it is for administrators only (tested below) and uses its own ids."""
    for name, route, converters in url_patterns():
        if route.startswith("admin/"):
            continue
        for kwarg, converter in converters.items():
            if kwarg.endswith("_id"):
                assert isinstance(converter, UUIDConverter), f"{name}: <{kwarg}> must be a uuid"
            else:
                assert kwarg in OWNERSHIP_CHECKED_KWARGS, f"{name}: <{kwarg}> is neither a uuid nor known to be checked"


# --------------------------------------------------------------------------- the matrix


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_access(world, name, settings):
    url = url_for(name, world.kwargs)
    login_url = reverse(settings.LOGIN_URL)
    clients = {user: world.client(user) for user in EVERYONE}
    for method in ("GET", "POST"):
        expectations = {user: EXPECTED[name][method][STAND_INS.get(user, user)] for user in EVERYONE}
        # roles refused first: then an allowed POST (a removal, say) cannot hide a refused one's effect
        order = sorted(EVERYONE, key=lambda user: expectations[user] not in (LOGIN, 403, 404, 405))
        for user in order:
            role = STAND_INS.get(user, user)
            before = snapshot() if method == "POST" else None
            response = clients[user].generic(method, url)
            try:
                check_answer(response, expectations[user], login_url)
            except AssertionError as error:
                raise AssertionError(f"{method} {name} as {user}: {error}") from None
            body = body_of(response)
            if method == "POST" and expectations[user] in (LOGIN, 403, 404, 405):
                assert snapshot() == before, f"POST {name} as {user} was refused but changed stored data"
            if role == "front_desk":
                for marker in KEY_MATERIAL_MARKERS:
                    assert marker not in body, f"{method} {name}: {user} sees {marker!r}"
            if role == "practitioner_b":
                assert world.a_record.niss not in body and world.a_record.last_name not in body
            if role == "practitioner_a" and name != "ehealth_certs:download_file":
                assert world.b_record.niss not in body and world.b_record.last_name not in body


# --------------------------------------------------------------------------- A and B never reach each other's objects


CERTIFICATE_URLS = sorted(name for name, _route, converters in url_patterns() if "certificate_id" in converters)


@pytest.mark.parametrize("name", CERTIFICATE_URLS)
@pytest.mark.parametrize("role", ["practitioner_a", "administrator"])
def test_another_records_certificate_under_this_record_is_not_found(world, name, role):
    """A's record with B's certificate id: 404 for every method, and nothing changes."""
    url = url_for(name, {**world.kwargs, "certificate_id": world.b_certificate.public_id})
    client = world.client(role)
    for method in ("GET", "POST"):
        before = snapshot()
        response = client.generic(method, url)
        assert response.status_code in (404, 405), (method, response.status_code)
        assert snapshot() == before


@pytest.mark.parametrize("name", ["ehealth_certs:download", "ehealth_certs:download_file"])
def test_a_download_token_only_works_for_the_user_and_record_that_made_it(world, name):
    """B on B's own record with A's token: nothing is offered, and A can still take it afterwards."""
    b_url = url_for(name, {**world.kwargs, "public_id": world.b_record.public_id})
    response = world.client("practitioner_b").get(b_url)
    assert response.status_code in (302, 410)
    assert "application/x-pkcs12" not in response.get("Content-Type", "")
    taken = world.client("practitioner_a").get(url_for("ehealth_certs:download_file", world.kwargs))
    assert taken.status_code == 200 and taken["Content-Type"] == "application/x-pkcs12"


def test_practitioner_a_sees_only_their_own_reminder_notice(world):
    page = world.client("practitioner_a").get(reverse("dashboard")).content.decode()
    assert 'id="own-certificate-notice"' in page
    assert 'id="certificates-notice"' not in page
    assert world.b_record.last_name not in page


# --------------------------------------------------------------------------- the Django admin, as one group


def admin_urls() -> list[str]:
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        urls.append(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"))
    return urls


def test_the_admin_site_is_for_administrators_only(world):
    admin_login = reverse("admin:login")
    for user in EVERYONE:
        role = STAND_INS.get(user, user)
        client = world.client(user)
        for url in admin_urls():
            response = client.get(url)
            if role == "administrator":
                assert response.status_code == 200, (user, url, response.status_code)
            else:
                assert response.status_code == 302 and response.url.startswith(admin_login), (user, url, response.status_code)
        before = snapshot()
        client.post(reverse("admin:auth_user_add"), {"username": f"intruder-{user}", "password1": "x" * 20, "password2": "x" * 20})
        if role != "administrator":
            assert snapshot() == before


def test_every_admin_url_is_under_admin(world):
    """The admin group above covers /admin/ only: no admin view is mounted elsewhere."""
    for name, route, _converters in url_patterns():
        if name and name.startswith("admin:"):
            assert route.startswith("admin/"), name


def test_the_world_has_what_the_matrix_needs(world):
    """Sanity of the fixture the matrix relies on (certificates expiring, reminders recorded)."""
    from ehealth_certs.models import Reminder

    assert world.a_certificate.not_after - world.b_certificate.not_after < timedelta(days=1)
    assert Reminder.objects.filter(certificate=world.a_certificate).exists()
    assert Reminder.objects.filter(certificate=world.b_certificate).exists()
