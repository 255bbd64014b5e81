"""The permission backend: the user's own permissions and their groups', read in one query."""
from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from practitioners import access
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def permission(name: str) -> Permission:
    app_label, codename = name.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def fresh(user):
    """The user read again: no permission cached on the object."""
    return type(user).objects.get(pk=user.pk)


def test_own_and_group_permissions_are_both_held_and_read_in_one_query():
    group = Group.objects.create(name="reception")
    group.permissions.add(permission(access.MANAGE_REGISTRY))
    user = make_user("desk")
    user.groups.add(group)
    user.user_permissions.add(permission(access.AUDIT_LOG))
    user = fresh(user)

    with CaptureQueriesContext(connection) as queries:
        assert user.has_perm(access.MANAGE_REGISTRY) and user.has_perm(access.AUDIT_LOG)
        assert not user.has_perm(access.CERTIFICATES_OVERVIEW)
        assert user.get_all_permissions() == {access.MANAGE_REGISTRY, access.AUDIT_LOG}

    assert len(queries) == 1


def test_a_permission_of_two_sources_is_listed_once_and_other_users_rights_do_not_leak():
    group = Group.objects.create(name="reception")
    group.permissions.add(permission(access.MANAGE_REGISTRY))
    user = make_user("desk")
    user.groups.add(group)
    user.user_permissions.add(permission(access.MANAGE_REGISTRY))
    other = make_user("boss")
    other.user_permissions.add(permission(access.AUDIT_LOG))

    assert fresh(user).get_all_permissions() == {access.MANAGE_REGISTRY}
    assert fresh(make_user("nobody")).get_all_permissions() == set()


def test_superusers_hold_every_permission_and_inactive_users_none():
    superuser = fresh(make_user("root", is_superuser=True))
    assert superuser.get_all_permissions() == {
        f"{app_label}.{codename}" for app_label, codename in Permission.objects.values_list("content_type__app_label", "codename")
    }
    inactive = make_user("gone", is_superuser=True, is_active=False)
    inactive.user_permissions.add(permission(access.MANAGE_REGISTRY))
    inactive = fresh(inactive)
    assert inactive.get_all_permissions() == set() and not inactive.has_perm(access.MANAGE_REGISTRY)
