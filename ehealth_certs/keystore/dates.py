"""Dates of certificates: calendar months, and naive datetimes taken as UTC (no Django)."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime


def add_months(moment: datetime, months: int) -> datetime:
    """Calendar month arithmetic, clamping the day: 31 May - 3 months = 28/29 February."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def aware(moment: datetime) -> datetime:
    """Naive datetimes are taken as UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
