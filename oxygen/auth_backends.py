"""Django's permission backend, reading a user's permissions in one query instead of two.

``ModelBackend`` asks the database twice per request that checks a permission: the user's own
permissions, then their groups'. Every page checks one (``practitioners.access``), so this backend
asks once for both (the same rows, the same rules: inactive users and visitors hold none,
superusers every one; cached on the user object for the request, as Django does).
"""
from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import Q


class ModelBackendInOneQuery(ModelBackend):
    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            held = Permission.objects.all()
            if not user_obj.is_superuser:
                held = held.filter(Q(user=user_obj) | Q(group__user=user_obj))
            names = held.order_by().values_list("content_type__app_label", "codename").distinct()
            user_obj._perm_cache = {f"{app_label}.{codename}" for app_label, codename in names}
        return user_obj._perm_cache
