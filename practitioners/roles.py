"""The three roles of the practice, as Django groups.

Front desk edits the registry, a practitioner sees and edits their own record's contact data and
keystore, an administrator does everything (and uses the Django admin). Permissions come from the
groups (set up by a data migration), so the Django admin and `has_perm` agree with the pages.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    from .models import Practitioner

FRONT_DESK = "front_desk"
PRACTITIONER = "practitioner"
ADMINISTRATOR = "administrator"

ROLE_LABELS = {
    FRONT_DESK: _("Front desk"),
    PRACTITIONER: _("Practitioner"),
    ADMINISTRATOR: _("Administrator"),
}


def _in_group(user: AbstractBaseUser | AnonymousUser, group: str) -> bool:
    if not user.is_authenticated:
        return False
    cache = getattr(user, "_role_groups", None)
    if cache is None:
        cache = set(user.groups.values_list("name", flat=True))
        user._role_groups = cache
    return group in cache


def is_administrator(user) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or _in_group(user, ADMINISTRATOR)))


def is_front_desk(user) -> bool:
    return _in_group(user, FRONT_DESK)


def own_practitioner(user) -> Practitioner | None:
    """The record a practitioner user is linked to, or None."""
    if not user.is_authenticated:
        return None
    return getattr(user, "practitioner", None)


def can_manage_registry(user) -> bool:
    """Create and edit any record: front desk and administrators."""
    return is_administrator(user) or is_front_desk(user)


def can_view_practitioner(user, practitioner: Practitioner) -> bool:
    if can_manage_registry(user):
        return True
    own = own_practitioner(user)
    return own is not None and own.pk == practitioner.pk


def role_of(user) -> str | None:
    if is_administrator(user):
        return ADMINISTRATOR
    if is_front_desk(user):
        return FRONT_DESK
    if own_practitioner(user) is not None:
        return PRACTITIONER
    return None


ROLE_PERMISSIONS = {
    FRONT_DESK: {
        "practitioners": ["view_practitioner", "add_practitioner", "change_practitioner", "view_inamiperiod",
                          "add_inamiperiod", "change_inamiperiod", "delete_inamiperiod", "view_treatmenttype"],
        # The certificate's status only: no upload, no removal, no key material (ehealth_certs.access).
        "ehealth_certs": ["view_certificate"],
    },
    PRACTITIONER: {},
    ADMINISTRATOR: "__all__",
}


def ensure_role_groups(**kwargs) -> None:
    """Create the three groups and give them their permissions (run after every migrate)."""
    from django.contrib.auth.models import Group, Permission

    for role, grants in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        if grants == "__all__":
            permissions = Permission.objects.all()
        else:
            permissions = Permission.objects.none()
            for app_label, codenames in grants.items():
                permissions |= Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
        group.permissions.set(permissions)
