"""Reads shared by the registry pages, the CSV export and the certificate pages."""
from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db.models import BooleanField, Exists, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from .models import InamiPeriod, Practitioner


def current_periods(day: datetime.date) -> QuerySet[InamiPeriod]:
    """Periods running on `day`, the most recently started first."""
    return InamiPeriod.objects.filter(Q(end_date__isnull=True) | Q(end_date__gte=day), start_date__lte=day).order_by(
        "-start_date", "-pk"
    )


def practitioners_with_current_inami(day: datetime.date | None = None) -> QuerySet[Practitioner]:
    """Practitioners annotated with today's INAMI number, profession and conventioned status.

    Subqueries, not a join, so a page of the registry costs the same few queries whatever its size.
    """
    day = day or timezone.localdate()
    current = current_periods(day).filter(practitioner=OuterRef("pk"))
    return Practitioner.objects.annotate(
        current_inami=current_inami_expression(day),
        current_profession=Subquery(current.values("profession")[:1]),
        conventioned_today=Coalesce(conventioned_today_condition(day), Value(False), output_field=BooleanField()),
    )


def current_inami_expression(day: datetime.date) -> Subquery:
    """Today's INAMI number of the outer query's practitioner (for sorting the registry by it)."""
    current = current_periods(day).filter(practitioner=OuterRef("pk"))
    return Subquery(current.values("inami_number")[:1])


def conventioned_today_condition(day: datetime.date) -> Exists:
    """True when one of the outer query's practitioner's periods running on `day` is conventioned."""
    return Exists(current_periods(day).filter(practitioner=OuterRef("pk"), conventioned=True))


def running_periods(practitioners: Iterable[Practitioner], day: datetime.date) -> dict[int, list]:
    """Each loaded record's periods running on `day`, the most recently started first, as rows with
    the period's fields (``inami_number``, ``profession``, ``conventioned``, ``start_date``,
    ``end_date``): one query for the whole page, whatever its size, and no model instances to build."""
    running: dict[int, list] = {}
    rows = current_periods(day).filter(practitioner_id__in=[record.pk for record in practitioners]).values_list(
        "practitioner_id", "inami_number", "profession", "conventioned", "start_date", "end_date", named=True
    )
    for period in rows:
        running.setdefault(period.practitioner_id, []).append(period)
    return running


def attach_current_inami(practitioners: Iterable[Practitioner], day: datetime.date | None = None) -> None:
    """Set ``current_inami``, ``current_profession`` and ``conventioned_today`` on each loaded record.

    The same values as ``practitioners_with_current_inami``'s annotations, for a page of records
    already loaded: one query for the whole page, whatever its size.
    """
    records = list(practitioners)
    running = running_periods(records, day or timezone.localdate())
    for record in records:
        periods = running.get(record.pk, [])  # the most recently started first
        record.current_inami, record.current_profession = (
            (periods[0].inami_number, periods[0].profession) if periods else (None, None)
        )
        record.conventioned_today = any(period.conventioned for period in periods)
