"""``/api/v1/practitioners``: the registry list (the list page's filters, search, sorting and pages),
a record, and the INAMI number valid on a given day (what billing asks for a date of care)."""
from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.core.paginator import EmptyPage, Paginator
from django.db.models import prefetch_related_objects
from django.http import HttpRequest
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from ehealth_certs.selectors import attach_certificate_status
from practitioners import access
from practitioners.filters import ACTIVE_CHOICES, YES_NO_CHOICES, PractitionerFilter
from practitioners.models import Practitioner, Profession
from practitioners.selectors import running_periods

from . import calls
from .auth import require
from .errors import ApiError, not_found, unknown_practitioner
from .models import Scope
from .schemas import CertificateStatusCode, ErrorOut, codes_of, InamiAnswer, PractitionerDetail, PractitionerPage

router = Router(tags=["practitioners"])

# What a list row reads of a record (the page query loads nothing else).
ROW_FIELDS = ("public_id", "last_name", "first_names", "birth_date", "niss", "is_active")
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 429: ErrorOut}


# The list page's sort parameters, each ascending then descending ("-name").
ORDERINGS = [order for param in PractitionerFilter.base_filters["ordering"].param_map for order in (param, f"-{param}")]


class ListQuery(Schema):
    q: str | None = Field(None, description="Names, NISS, INAMI or enterprise number, as the list page's search")
    profession: Profession | None = None
    conventioned: codes_of(YES_NO_CHOICES) | None = Field(None, description="Conventioned today")
    status: codes_of(ACTIVE_CHOICES) = "active"
    certificate: CertificateStatusCode | None = Field(None, description="The eHealth certificate's status")
    ordering: codes_of(ORDERINGS) | None = None
    page: int = Field(1, ge=1)
    page_size: int = Field(settings.PRACTITIONERS_PAGE_SIZE, ge=1, le=settings.PRACTITIONERS_MAX_PAGE_SIZE)


def find_practitioner(request: HttpRequest, public_id: uuid.UUID) -> Practitioner | None:
    """The record with this public id, noted as what the call concerns; None when there is none."""
    record = Practitioner.objects.filter(public_id=public_id).first()
    if record is not None:
        calls.concerns(request, record)
    return record


def practitioner_or_404(request: HttpRequest, public_id: uuid.UUID) -> Practitioner:
    record = find_practitioner(request, public_id)
    if record is None:
        raise unknown_practitioner()
    return record


def _text(value: str) -> str | None:
    return value or None


def _period(period) -> dict | None:
    """An InamiPeriod, or a row of ``running_periods``, as the API shows it."""
    if period is None:
        return None
    return {
        "inami_number": period.inami_number, "profession": period.profession, "conventioned": period.conventioned,
        "start_date": period.start_date, "end_date": period.end_date,
    }


def _row(record: Practitioner, running: list) -> dict:
    """A list row: today's current period is the most recently started running one, as on the list page."""
    return {
        "id": record.public_id, "last_name": record.last_name, "first_names": record.first_names,
        "birth_date": record.birth_date, "niss": _text(record.niss), "is_active": record.is_active,
        "inami_today": _period(running[0]) if running else None,
        "conventioned_today": any(period.conventioned for period in running),
        "certificate": {"status": record.certificate_status, "valid_until": record.certificate_not_after},
    }


@router.get("/practitioners", url_name="practitioners", response={200: PractitionerPage, **ERRORS}, summary="The registry, a page at a time")
def list_practitioners(request: HttpRequest, filters: Query[ListQuery]):
    require(request, Scope.REGISTRY, access.MANAGE_REGISTRY)
    found = PractitionerFilter(request.GET, queryset=Practitioner.objects.only(*ROW_FIELDS), request=request)
    if not found.is_valid():
        raise ApiError(400, "bad_parameter", " ".join(str(error) for errors in found.errors.values() for error in errors))
    paginator = Paginator(found.qs, filters.page_size)
    try:
        page = paginator.page(filters.page)
    except EmptyPage:
        raise not_found(_("There is no page %(page)d: the list has %(pages)d.") % {
            "page": filters.page, "pages": paginator.num_pages}) from None
    rows = list(page.object_list)
    running = running_periods(rows, timezone.localdate())
    attach_certificate_status(rows)
    return {
        "count": paginator.count, "page": page.number, "pages": paginator.num_pages, "page_size": filters.page_size,
        "results": [_row(record, running.get(record.pk, [])) for record in rows],
    }


@router.get("/practitioners/{uuid:public_id}", url_name="practitioner", response={200: PractitionerDetail, **ERRORS}, summary="One record")
def practitioner_detail(request: HttpRequest, public_id: uuid.UUID):
    record = practitioner_or_404(request, public_id)
    require(request, Scope.REGISTRY, access.MANAGE_REGISTRY, record)
    prefetch_related_objects([record], "inami_periods", "treatment_types")
    today = timezone.localdate()
    return {
        "id": record.public_id, "last_name": record.last_name, "first_names": record.first_names,
        "initials": _text(record.initials), "birth_date": record.birth_date, "sex": _text(record.sex),
        "language": record.language, "salutation": _text(record.salutation), "category": _text(record.category),
        "specialisation": _text(record.specialisation), "contact_type": record.contact_type,
        "niss": _text(record.niss), "enterprise_number": _text(record.enterprise_number),
        "approval_number": _text(record.approval_number),
        "correspondence_address": _address(
            record.correspondence_street, record.correspondence_postcode, record.correspondence_municipality
        ),
        "practice_address": _address(record.practice_street, record.practice_postcode, record.practice_municipality),
        "phone": _text(record.phone), "mobile": _text(record.mobile), "email": _text(record.email),
        "treatment_types": [kind.code for kind in record.treatment_types.all()],
        "is_active": record.is_active,
        "inami_periods": [_period(period) for period in record.inami_periods.all()],
        "inami_today": _period(record.current_inami_period(today)),
        "conventioned_today": record.conventioned_on(today),
    }


def _address(street: str, postcode: str, municipality: str) -> dict:
    return {"street": _text(street), "postcode": _text(postcode), "municipality": _text(municipality)}


@router.get(
    "/practitioners/{uuid:public_id}/inami", url_name="practitioner_inami", response={200: InamiAnswer, **ERRORS},
    summary="The INAMI number, profession and convention valid on a day",
)
def inami_on(
    request: HttpRequest, public_id: uuid.UUID,
    on: datetime.date | None = Query(None, description="The day, YYYY-MM-DD (today when left out)"),
    profession: Profession | None = Query(None, description="Only this profession's number"),
):
    """With a profession, that profession's period running on the day; without one, the most recently
    started period running on the day (the one the record page shows as current)."""
    record = practitioner_or_404(request, public_id)
    require(request, Scope.REGISTRY, access.MANAGE_REGISTRY, record)
    day = on or timezone.localdate()
    period = record.current_inami_period(day, profession)
    if period is None:
        raise not_found(_no_number_message(record, day, profession))
    return {"practitioner": record.public_id, "on": day, **_period(period)}


def _no_number_message(record: Practitioner, day: datetime.date, profession: Profession | None) -> str:
    words = {"name": str(record), "date": formats.date_format(day, "d/m/Y")}
    if profession is None:
        return _("%(name)s had no INAMI number on %(date)s.") % words
    return _("%(name)s had no INAMI number as %(profession)s on %(date)s.") % {
        **words, "profession": Profession(profession).label.lower()}
