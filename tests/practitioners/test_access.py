"""The one access rule: the permission (``user.has_perm``) or, on a record, the record is the user's own.

Groups give roles by the permissions they carry; a group's name gives nothing.
"""
from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, Group, Permission, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ehealth_certs.reminders import scan
from practitioners import access, roles
from tests.factories import make_user

pytestmark = pytest.mark.django_db

PAGE_PERMISSIONS = (
    access.MANAGE_REGISTRY, access.EXCHANGE_REGISTRY_CSV, access.MANAGE_ANY_CERTIFICATE,
    access.CERTIFICATES_OVERVIEW, access.AUDIT_LOG,
)  # fmt: skip
# A page each permission opens (no record in its URL), and the navbar or list link it shows.
PAGES = {
    access.MANAGE_REGISTRY: ("practitioners:list", "practitioners:list"),
    access.EXCHANGE_REGISTRY_CSV: ("practitioners:export", None),
    access.CERTIFICATES_OVERVIEW: ("ehealth_certs:overview", "ehealth_certs:overview"),
    access.AUDIT_LOG: ("audit:list", "audit:list"),
}


def grant(user: User, permission: str) -> User:
    """``permission`` given to the user directly (no group); the user read afresh (no permission cache)."""
    app_label, codename = permission.split(".")
    user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return User.objects.get(pk=user.pk)


def test_every_page_permission_exists_and_the_groups_carry_them():
    for permission in PAGE_PERMISSIONS:
        app_label, codename = permission.split(".")
        assert Permission.objects.filter(content_type__app_label=app_label, codename=codename).exists(), permission
    front_desk = make_user("desk", roles.FRONT_DESK)
    administrator = make_user("boss", roles.ADMINISTRATOR)
    practitioner = make_user("jan", roles.PRACTITIONER)
    assert [access.allowed(front_desk, permission) for permission in PAGE_PERMISSIONS] == [True, False, False, False, False]
    assert all(access.allowed(administrator, permission) for permission in PAGE_PERMISSIONS)
    assert not any(access.allowed(practitioner, permission) for permission in PAGE_PERMISSIONS)


@pytest.mark.parametrize("permission", PAGE_PERMISSIONS)
def test_a_permission_given_directly_without_a_group_is_enough(permission, other_record):
    user = grant(make_user("direct"), permission)
    assert not user.groups.exists()
    assert access.allowed(user, permission)
    assert access.allowed(user, permission, other_record)  # any record, not only one's own
    assert [other for other in PAGE_PERMISSIONS if access.allowed(user, other)] == [permission]


@pytest.mark.parametrize("permission", sorted(PAGES))
def test_a_page_opens_for_a_user_given_its_permission_directly_and_shows_its_link(client, permission):
    page, link = PAGES[permission]
    user = make_user("direct")
    client.force_login(user)
    assert client.get(reverse(page)).status_code == 403
    if link:
        assert f'href="{reverse(link)}"' not in client.get(reverse("dashboard")).content.decode()
    grant(user, permission)
    assert client.get(reverse(page)).status_code == 200
    if link:
        assert f'href="{reverse(link)}"' in client.get(reverse("dashboard")).content.decode()


def test_a_user_in_no_group_gets_nothing(client, practitioner_record):
    user = make_user("nobody")
    assert not any(access.allowed(user, permission) for permission in PAGE_PERMISSIONS)
    assert not any(access.allowed(user, permission, practitioner_record) for permission in PAGE_PERMISSIONS)
    assert access.own_practitioner(user) is None
    client.force_login(user)
    for page, _link in PAGES.values():
        assert client.get(reverse(page)).status_code == 403, page
    assert client.get(practitioner_record.get_absolute_url()).status_code == 403


def test_a_groups_name_gives_nothing_only_its_permissions():
    """A group named like a role but carrying no permission (as if made by hand) opens no page."""
    Group.objects.filter(name=roles.ADMINISTRATOR).get().permissions.clear()
    user = make_user("named", roles.ADMINISTRATOR)
    assert not any(access.allowed(user, permission) for permission in PAGE_PERMISSIONS)
    assert not access.users_allowed(access.CERTIFICATES_OVERVIEW).filter(pk=user.pk).exists()


def test_superusers_hold_every_permission_without_a_group():
    user = make_user("root", is_superuser=True)
    assert all(access.allowed(user, permission) for permission in PAGE_PERMISSIONS)


@pytest.mark.parametrize("how", ["superuser", "group", "direct"])
def test_an_inactive_user_gets_nothing(client, practitioner_record, how):
    user = make_user("gone", roles.ADMINISTRATOR if how == "group" else None, is_superuser=how == "superuser")
    for permission in PAGE_PERMISSIONS:
        user = grant(user, permission) if how == "direct" else user
    practitioner_record.user = user
    practitioner_record.save()
    assert all(access.allowed(user, permission) for permission in PAGE_PERMISSIONS)
    assert access.own_practitioner(user) == practitioner_record

    user.is_active = False
    user.save()
    user = User.objects.get(pk=user.pk)
    assert not any(access.allowed(user, permission, practitioner_record) for permission in PAGE_PERMISSIONS)
    assert access.own_practitioner(user) is None and not access.is_own_record(user, practitioner_record)
    assert not access.users_allowed(access.CERTIFICATES_OVERVIEW).filter(pk=user.pk).exists()
    client.force_login(user)  # as if the account were switched off during a session
    response = client.get(reverse("ehealth_certs:overview"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_visitors_get_nothing(practitioner_record):
    visitor = AnonymousUser()
    assert not any(access.allowed(visitor, permission, practitioner_record) for permission in PAGE_PERMISSIONS)
    assert access.own_practitioner(visitor) is None


def test_the_own_record_rule_is_for_that_record_only(practitioner_user, practitioner_record, other_record):
    assert access.own_practitioner(practitioner_user) == practitioner_record
    assert access.allowed(practitioner_user, access.MANAGE_ANY_CERTIFICATE, practitioner_record)
    assert not access.allowed(practitioner_user, access.MANAGE_ANY_CERTIFICATE, other_record)
    assert not access.allowed(practitioner_user, access.MANAGE_ANY_CERTIFICATE)  # no record: the permission only


def test_the_digest_goes_to_every_active_user_with_an_address_who_may_see_the_overview():
    by_group = make_user("boss", roles.ADMINISTRATOR, email="boss@example.be")
    direct = grant(make_user("direct", email="direct@example.be"), access.CERTIFICATES_OVERVIEW)
    superuser = make_user("root", email="root@example.be", is_superuser=True)
    make_user("no-mail", roles.ADMINISTRATOR, email="")
    make_user("gone", roles.ADMINISTRATOR, email="gone@example.be", is_active=False)
    make_user("desk", roles.FRONT_DESK, email="desk@example.be")
    grant(make_user("csv", email="csv@example.be"), access.EXCHANGE_REGISTRY_CSV)
    with CaptureQueriesContext(connection) as queries:
        recipients = list(scan.administrators())
    assert recipients == [by_group, direct, superuser]
    assert len(queries) == 1
