"""The Django admin site, refusing regular-expression lookups in its URLs.

A lookup such as ``?niss__regex=(`` reaches the database as an invalid pattern, which fails only
when the list is read (a 500). Nobody needs regular expressions there: such a request is refused
as a bad request (400) before any view runs.
"""
from __future__ import annotations

from functools import wraps

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.core.exceptions import SuspiciousOperation

REFUSED_LOOKUPS = frozenset({"regex", "iregex"})


def refuses_regex_lookups(query_keys) -> bool:
    return any(key.rsplit("__", 1)[-1] in REFUSED_LOOKUPS for key in query_keys)


class OxygenAdminSite(admin.AdminSite):
    def admin_view(self, view, cacheable=False):
        protected = super().admin_view(view, cacheable)

        @wraps(view)
        def refuse_regex_lookups(request, *args, **kwargs):
            if refuses_regex_lookups(request.GET):
                raise SuspiciousOperation("regular-expression lookups are refused in the admin")
            return protected(request, *args, **kwargs)

        return refuse_regex_lookups


class OxygenAdminConfig(AdminConfig):
    default_site = "oxygen.admin_site.OxygenAdminSite"
