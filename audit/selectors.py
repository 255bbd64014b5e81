"""Reading the audit log."""
from django.db.models import QuerySet

from .models import AuditEvent


def audit_events() -> QuerySet[AuditEvent]:
    """Every event, newest first, with the practitioner joined (the user's name is stored on the event)."""
    return AuditEvent.objects.select_related("practitioner").order_by("-occurred_at", "-id")
