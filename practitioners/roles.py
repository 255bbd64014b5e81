"""The three roles of the practice, as Django groups that carry permissions.

Front desk manages the registry, a practitioner sees and edits their own record's contact data and
keystore (the object rule of ``access``: no permission needed), an administrator does everything
(and uses the Django admin). Administrators give a role by putting the user in its group; the pages
ask for the permissions only (``access``), so the Django admin and ``has_perm`` agree with them.
"""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from . import access

FRONT_DESK = "front_desk"
PRACTITIONER = "practitioner"
ADMINISTRATOR = "administrator"

ROLE_LABELS = {
    FRONT_DESK: _("Front desk"),
    PRACTITIONER: _("Practitioner"),
    ADMINISTRATOR: _("Administrator"),
}

EVERY_PERMISSION = "__all__"

# Role -> its permissions ("app_label.codename"), or every permission of the project.
ROLE_PERMISSIONS = {
    FRONT_DESK: [
        access.MANAGE_REGISTRY,
        # The models' own permissions, as the Django admin reads them.
        "practitioners.view_practitioner", "practitioners.add_practitioner", "practitioners.change_practitioner",
        "practitioners.view_inamiperiod", "practitioners.add_inamiperiod", "practitioners.change_inamiperiod",
        "practitioners.delete_inamiperiod", "practitioners.view_treatmenttype",
        # The certificate's status only: no upload, no removal, no key material (ehealth_certs.access).
        "ehealth_certs.view_certificate",
    ],
    PRACTITIONER: [],
    ADMINISTRATOR: EVERY_PERMISSION,
}


def ensure_role_groups(**kwargs) -> None:
    """Create the three groups and give them their permissions (run after every migrate)."""
    from django.contrib.auth.models import Group, Permission

    for role, grants in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        if grants == EVERY_PERMISSION:
            permissions = Permission.objects.all()
        else:
            permissions = Permission.objects.none()
            for name in grants:
                app_label, codename = name.split(".")
                permissions |= Permission.objects.filter(content_type__app_label=app_label, codename=codename)
        group.permissions.set(permissions)
