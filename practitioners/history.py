"""The change history shown on a record: who changed what, and when (django-simple-history)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext_lazy as _

from .models import InamiPeriod, Practitioner

ACTIONS = {"+": _("created"), "~": _("changed"), "-": _("deleted")}


@dataclass
class HistoryEntry:
    when: datetime
    who: str
    subject: str
    action: str
    changes: list[tuple[str, str, str]] = field(default_factory=list)


def _value(record, field_name: str) -> str:
    model_field = record.instance_type._meta.get_field(field_name)
    value = getattr(record, field_name)
    if getattr(model_field, "choices", None):
        return str(dict(model_field.flatchoices).get(value, value or "—"))
    if model_field.many_to_many:
        # A historical record's many-to-many value holds rows of its history table, one per target.
        target = model_field.related_model._meta.model_name
        names = sorted(str(getattr(row, target)) for row in value.select_related(target))
        return ", ".join(names) or "—"
    if value in (None, ""):
        return "—"
    if hasattr(value, "strftime"):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    return str(value)


def _entries(records, subject) -> list[HistoryEntry]:
    entries = []
    previous_by_object: dict = {}
    for record in sorted(records, key=lambda r: (r.history_date, r.history_id)):
        previous = previous_by_object.get(record.id)
        entry = HistoryEntry(
            when=record.history_date,
            who=str(record.history_user) if record.history_user else str(_("system")),
            subject=subject(record),
            action=str(ACTIONS.get(record.history_type, record.history_type)),
        )
        if previous is not None and record.history_type == "~":
            delta = record.diff_against(previous)
            entry.changes = [
                (
                    str(record.instance_type._meta.get_field(change.field).verbose_name),
                    _value(previous, change.field),
                    _value(record, change.field),
                )
                for change in delta.changes
            ]
            if not entry.changes:
                previous_by_object[record.id] = record
                continue
        previous_by_object[record.id] = record
        entries.append(entry)
    return entries


def record_history(practitioner: Practitioner) -> list[HistoryEntry]:
    """Every change to the record and its INAMI periods, newest first."""
    own = practitioner.history.select_related("history_user")
    periods = InamiPeriod.history.filter(practitioner_id=practitioner.pk).select_related("history_user")
    entries = _entries(own, lambda r: str(_("Record")))
    entries += _entries(periods, lambda r: f"{_('INAMI period')} {r.get_profession_display()}")
    return sorted(entries, key=lambda e: e.when, reverse=True)
