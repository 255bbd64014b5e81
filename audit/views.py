"""The audit log page: administrators only."""
from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django_filters.views import FilterView

from practitioners import roles

from .filters import AuditEventFilter
from .selectors import audit_events


class AdministratorRequiredMixin(LoginRequiredMixin, UserPassesTestMixin):
    """Administrators only: anonymous visitors go to the login page, anybody else gets 403."""

    def test_func(self) -> bool:
        return roles.is_administrator(self.request.user)

    def handle_no_permission(self):
        self.raise_exception = self.request.user.is_authenticated
        return super().handle_no_permission()


class AuditLogView(AdministratorRequiredMixin, FilterView):
    filterset_class = AuditEventFilter
    template_name = "audit/event_list.html"
    context_object_name = "events"
    paginate_by = 50

    def get_queryset(self):
        return audit_events()
