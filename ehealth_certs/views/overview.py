"""The certificates overview (administrators): every record's certificate, and the reminder log."""
from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.utils import timezone
from django.views.generic import TemplateView, View

from practitioners.access import CERTIFICATES_OVERVIEW, AccessRequiredMixin

from ehealth_certs import overview, selectors
from ehealth_certs.models import Reminder, stored_bytes

PAGE_SIZE = 50
LOG_PAGE_SIZE = 25

ROW_CLASSES = {
    selectors.EXPIRED: "table-danger",
    selectors.EXPIRING: "table-warning",
    selectors.VALID: "table-success",
    selectors.NONE: "table-secondary",
}


class OverviewFilterMixin:
    """The filter chosen in the URL (``?show=``), offered to the template with its links."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        self.show = overview.chosen_filter(self.request.GET.get("show"))
        context.update(show=self.show, filters=overview.FILTERS, show_label=dict(overview.FILTERS)[self.show])
        return context

    def rows(self, records):
        for record in records:
            record.row_class = ROW_CLASSES[record.certificate_status]
        return records


class CertificatesOverviewView(AccessRequiredMixin, OverviewFilterMixin, TemplateView):
    permission = CERTIFICATES_OVERVIEW
    template_name = "ehealth_certs/overview.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = Paginator(overview.overview_records(self.show), PAGE_SIZE).get_page(self.request.GET.get("page"))
        self.rows(page)
        log = Reminder.objects.select_related("certificate__practitioner").defer(*stored_bytes("certificate__"))
        log_page = Paginator(log.order_by("-created_at", "-pk"), LOG_PAGE_SIZE).get_page(self.request.GET.get("log_page"))
        context.update(
            page_obj=page, paginator=page.paginator, is_paginated=page.has_other_pages(), records=page, log_page=log_page
        )
        return context


class CertificatesPrintView(AccessRequiredMixin, OverviewFilterMixin, TemplateView):
    """Every record of the chosen filter on one page, laid out for paper."""

    permission = CERTIFICATES_OVERVIEW
    template_name = "ehealth_certs/overview_print.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(records=self.rows(list(overview.overview_records(self.show))), printed_at=timezone.localtime())
        return context


class CertificatesExportView(AccessRequiredMixin, View):
    permission = CERTIFICATES_OVERVIEW

    def get(self, request, *args, **kwargs):
        show = overview.chosen_filter(request.GET.get("show"))
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        filename = f"ehealth-certificates-{show}-{timezone.localdate():%Y-%m-%d}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        overview.export_overview_csv(response, show)
        return response
