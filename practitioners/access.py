"""Who may do what, for every page of the project: one rule.

A user may do something when they hold its permission (``user.has_perm``: superusers hold every
permission, inactive users and visitors none) or, on a practitioner's record, when the record is
their own. The roles are groups that carry these permissions (``roles.ensure_role_groups``);
nothing asks which group a user is in. Anonymous visitors go to the login page, others without
the right get 403.
"""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.shortcuts import get_object_or_404

from .models import Practitioner

# The permissions the pages ask for, granted to the roles in ``roles.ROLE_PERMISSIONS``.
# List, see, create and edit every record; read a card for a new record.
MANAGE_REGISTRY = "practitioners.manage_registry"
# Import and export the registry as CSV.
EXCHANGE_REGISTRY_CSV = "practitioners.exchange_registry_csv"
# Every record's certificate: upload, details, renewal, password change, revocation, removal; the eID PIN proof.
MANAGE_ANY_CERTIFICATE = "ehealth_certs.manage_any_certificate"
# The certificates overview (page, print, CSV), the main screen's counts and the daily expiry digest.
CERTIFICATES_OVERVIEW = "ehealth_certs.view_certificates_overview"
# Create and revoke the service tokens other programs read the API with (the API's own rules: api.access).
MANAGE_SERVICE_TOKENS = "api.manage_service_tokens"
# The audit log page (the Django admin's own permission to view its events).
AUDIT_LOG = "audit.view_auditevent"

# The backend that reads user and group permissions (the login throttle's backend grants none).
PERMISSIONS_BACKEND = "oxygen.auth_backends.ModelBackendInOneQuery"


def own_practitioner(user) -> Practitioner | None:
    """The record an active user is linked to, or None."""
    if not (user.is_authenticated and user.is_active):
        return None
    return getattr(user, "practitioner", None)


def is_own_record(user, practitioner: Practitioner) -> bool:
    own = own_practitioner(user)
    return own is not None and own.pk == practitioner.pk


def allowed(user, permission: str, record: Practitioner | None = None) -> bool:
    """The user holds ``permission`` or, when a record is given, the record is their own."""
    return user.has_perm(permission) or (record is not None and is_own_record(user, record))


def users_allowed(permission: str):
    """The active users who hold ``permission``, superusers included (one query)."""
    return get_user_model().objects.with_perm(permission, backend=PERMISSIONS_BACKEND)


class AccessRequiredMixin(LoginRequiredMixin, UserPassesTestMixin):
    """The page's ``permission`` (on the record ``get_record`` returns, if any), after the login;
    a logged-in user without it gets 403 rather than a login loop."""

    permission: str

    def get_record(self) -> Practitioner | None:
        return None

    def test_func(self) -> bool:
        return allowed(self.request.user, self.permission, self.get_record())

    def handle_no_permission(self):
        self.raise_exception = self.request.user.is_authenticated
        return super().handle_no_permission()


class RegistryManagerRequiredMixin(AccessRequiredMixin):
    permission = MANAGE_REGISTRY


class PractitionerAccessMixin(AccessRequiredMixin):
    """Registry managers, and the practitioner the record (URL's `public_id`) belongs to."""

    permission = MANAGE_REGISTRY

    def get_practitioner(self) -> Practitioner:
        if not hasattr(self, "_practitioner"):
            self._practitioner = get_object_or_404(Practitioner, public_id=self.kwargs["public_id"])
        return self._practitioner

    def get_record(self) -> Practitioner:
        return self.get_practitioner()
