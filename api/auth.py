"""Who calls the API: another program with a service token, or a logged-in user of the pages.

A token is read from ``Authorization: Bearer <token>``; a logged-in user is recognised by the
session cookie, and then has the pages' own access rules (``practitioners.access``). What a caller
may read is checked per endpoint by ``require``: a token needs the endpoint's scope, a user the
page's permission (or the record is their own).
"""
from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import HttpBearer, SessionAuth

from oxygen.security import client_ip
from practitioners import access
from practitioners.models import Practitioner

from . import services
from .errors import forbidden
from .models import Scope, ServiceToken


class ServiceTokenAuth(HttpBearer):
    """``Authorization: Bearer oxy_…``: a token that is not revoked; its use is recorded."""

    def authenticate(self, request: HttpRequest, token: str) -> ServiceToken | None:
        found = services.token_for(token)
        if found is not None:
            services.record_use(found, client_ip(request))
        return found


class PracticeUser(SessionAuth):
    """A logged-in, active user of the pages (read-only calls: no CSRF token needed)."""

    def authenticate(self, request: HttpRequest, key: str | None):
        user = request.user
        return user if user.is_authenticated and user.is_active else None


def require(request: HttpRequest, scope: Scope, permission: str, record: Practitioner | None = None) -> None:
    """Refuse (403) a caller that may not read this: a token without ``scope``, a user without
    ``permission`` on ``record`` (or, with no record, at all)."""
    caller = request.auth
    if isinstance(caller, ServiceToken):
        if scope not in caller.scopes:
            raise forbidden(
                "scope_missing",
                _("This token may not read this: it lacks the scope “%(scope)s”. An administrator can create a token "
                  "with it.") % {"scope": scope.value},
            )
        return
    if not access.allowed(caller, permission, record):
        raise forbidden("not_allowed", _("Your account may not read this."))
