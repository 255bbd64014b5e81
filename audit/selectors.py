"""Reading the audit log."""
from django.db.models import QuerySet

from .models import AuditEvent


def audit_events() -> QuerySet[AuditEvent]:
    """Every event, newest first, with the user and practitioner joined."""
    return AuditEvent.objects.select_related("user", "practitioner").order_by("-occurred_at", "-id")
