"""Reads shared by the registry pages, the CSV export and the certificate pages."""
from __future__ import annotations

import datetime

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
        current_inami=Subquery(current.values("inami_number")[:1]),
        current_profession=Subquery(current.values("profession")[:1]),
        conventioned_today=Coalesce(
            Exists(current.filter(conventioned=True)), Value(False), output_field=BooleanField()
        ),
    )
