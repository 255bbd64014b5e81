"""View mixins for the three roles: anonymous visitors go to the login page, others without the
right get 403. Every page of the project uses one of these, so the rule is written once."""
from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.shortcuts import get_object_or_404

from . import roles
from .models import Practitioner


class RoleRequiredMixin(LoginRequiredMixin, UserPassesTestMixin):
    """Login first; a logged-in user who fails `test_func` gets 403 rather than a login loop."""

    def handle_no_permission(self):
        self.raise_exception = self.request.user.is_authenticated
        return super().handle_no_permission()


class AdministratorRequiredMixin(RoleRequiredMixin):
    def test_func(self) -> bool:
        return roles.is_administrator(self.request.user)


class RegistryManagerRequiredMixin(RoleRequiredMixin):
    """Front desk and administrators."""

    def test_func(self) -> bool:
        return roles.can_manage_registry(self.request.user)


class PractitionerAccessMixin(RoleRequiredMixin):
    """Front desk, administrators, and the practitioner the record (URL's `public_id`) belongs to."""

    def get_practitioner(self) -> Practitioner:
        if not hasattr(self, "_practitioner"):
            self._practitioner = get_object_or_404(Practitioner, public_id=self.kwargs["public_id"])
        return self._practitioner

    def test_func(self) -> bool:
        return roles.can_view_practitioner(self.request.user, self.get_practitioner())
