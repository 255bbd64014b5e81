"""The audit log page: whoever may view the audit events (administrators)."""
from __future__ import annotations

from django_filters.views import FilterView

from practitioners.access import AUDIT_LOG, AccessRequiredMixin

from .filters import AuditEventFilter
from .selectors import audit_events


class AuditLogView(AccessRequiredMixin, FilterView):
    permission = AUDIT_LOG
    filterset_class = AuditEventFilter
    template_name = "audit/event_list.html"
    context_object_name = "events"
    paginate_by = 50

    def get_queryset(self):
        return audit_events()
