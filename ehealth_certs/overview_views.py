"""The administrators' certificates overview: every record's certificate, and the reminder log."""
from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import F
from django.views.generic import TemplateView

from practitioners.access import AdministratorRequiredMixin
from practitioners.models import Practitioner

from . import selectors
from .models import Reminder

PAGE_SIZE = 50
LOG_PAGE_SIZE = 25

ROW_CLASSES = {
    selectors.EXPIRED: "table-danger",
    selectors.EXPIRING: "table-warning",
    selectors.VALID: "table-success",
    selectors.NONE: "table-secondary",
}


class CertificatesOverviewView(AdministratorRequiredMixin, TemplateView):
    template_name = "ehealth_certs/overview.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        records = selectors.with_certificate_status(Practitioner.objects.filter(is_active=True)).order_by(
            F("certificate_not_after").asc(nulls_last=True), "last_name", "first_names", "pk"
        )
        page = Paginator(records, PAGE_SIZE).get_page(self.request.GET.get("page"))
        for record in page:
            record.row_class = ROW_CLASSES[record.certificate_status]
        log = Reminder.objects.select_related("certificate__practitioner").defer("certificate__encrypted_keystore")
        log_page = Paginator(log.order_by("-created_at", "-pk"), LOG_PAGE_SIZE).get_page(self.request.GET.get("log_page"))
        context.update(
            page_obj=page, paginator=page.paginator, is_paginated=page.has_other_pages(), records=page, log_page=log_page
        )
        return context
