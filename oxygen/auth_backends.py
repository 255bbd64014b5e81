"""Django's permission backend, reading a user's permissions in one prepared query instead of two.

``ModelBackend`` builds and runs two ORM queries per request that checks a permission (the user's
own permissions, then their groups', each joining the content types). Every page checks one
(``practitioners.access``), and building those queries costs more than running them, so this
backend runs one fixed SQL statement for both, written once from the models' table names. Same
rules: inactive users and visitors hold none, superusers every one; cached on the user object for
the request, as Django does (docs/benchmarks.md, benchmark 1, seventh round).
"""
from __future__ import annotations

from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connections, router


@cache
def _held_permissions_sql() -> str:
    """app_label, codename of the permissions a user holds directly or through a group (%s: the user id, twice)."""
    user_model = get_user_model()
    own = user_model.user_permissions.through._meta
    membership = user_model.groups.through._meta
    granted = Group.permissions.through._meta
    return (
        f"SELECT ct.app_label, p.codename FROM {Permission._meta.db_table} p"
        f" JOIN {ContentType._meta.db_table} ct ON ct.id = p.content_type_id"
        f" WHERE p.id IN ("
        f"SELECT permission_id FROM {own.db_table} WHERE {own.get_field(user_model._meta.model_name).column} = %s"
        f" UNION SELECT g.permission_id FROM {granted.db_table} g"
        f" JOIN {membership.db_table} m ON m.group_id = g.group_id"
        f" WHERE m.{membership.get_field(user_model._meta.model_name).column} = %s)"
    )


class ModelBackendInOneQuery(ModelBackend):
    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            if user_obj.is_superuser:
                held = Permission.objects.values_list("content_type__app_label", "codename")
            else:
                with connections[router.db_for_read(Permission)].cursor() as cursor:
                    cursor.execute(_held_permissions_sql(), [user_obj.pk, user_obj.pk])
                    held = cursor.fetchall()
            user_obj._perm_cache = {f"{app_label}.{codename}" for app_label, codename in held}
        return user_obj._perm_cache
