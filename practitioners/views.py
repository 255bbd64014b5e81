"""Registry pages: thin views over forms, selectors and services."""
from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import prefetch_related_objects
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import DetailView, TemplateView, View
from django_filters.views import FilterView

from oxygen.actors import actor_of
from oxygen.errors import Refused

from . import access, csv_refusals, list_extensions, record_tabs, registry_csv
from .access import AccessRequiredMixin, PractitionerAccessMixin, RegistryManagerRequiredMixin
from .filters import PractitionerFilter
from .forms import ContactForm
from .history import record_history
from .models import Practitioner
from .selectors import attach_current_inami


@login_required
def dashboard(request):
    """The main screen."""
    return render(request, "dashboard.html", {"own_practitioner": access.own_practitioner(request.user)})


class PractitionerListView(RegistryManagerRequiredMixin, FilterView):
    filterset_class = PractitionerFilter
    template_name = "practitioners/list.html"
    context_object_name = "practitioners"

    def get_queryset(self):
        return Practitioner.objects.all()

    def get_context_data(self, **kwargs):
        """The page's rows get their current INAMI period (one query per page) and what the columns other
        apps add show (``list_extensions``: the certificate's status, one query per page)."""
        context = super().get_context_data(**kwargs)
        rows = list(context["object_list"])
        attach_current_inami(rows)
        columns = list_extensions.columns()
        for column in columns:
            column.attach(rows)
        context["page_obj"].object_list = rows
        context.update(object_list=rows, practitioners=rows, extra_columns=columns)
        return context

    def get_paginate_by(self, queryset) -> int:
        try:
            size = int(self.request.GET.get("page_size", settings.PRACTITIONERS_PAGE_SIZE))
        except ValueError:
            size = settings.PRACTITIONERS_PAGE_SIZE
        return max(1, min(size, settings.PRACTITIONERS_MAX_PAGE_SIZE))


class PractitionerDetailView(PractitionerAccessMixin, DetailView):
    template_name = "practitioners/detail.html"
    context_object_name = "practitioner"

    def get_object(self, queryset=None) -> Practitioner:
        return self.get_practitioner()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        practitioner = self.object
        prefetch_related_objects([practitioner], "inami_periods")
        today = timezone.localdate()
        context.update(
            periods=practitioner.inami_periods.all(),
            current_period=practitioner.current_inami_period(today),
            conventioned_today=practitioner.conventioned_on(today),
            history=record_history(practitioner),
            can_edit=access.allowed(self.request.user, access.MANAGE_REGISTRY),
            is_own_record=access.is_own_record(self.request.user, practitioner),
        )
        active_tab = record_tabs.requested(self.request.GET, record_tabs.RECORD_TABS)
        context.update(active_tab=active_tab, tabs=record_tabs.tabs(record_tabs.RECORD_TABS, active_tab))
        return context


class PractitionerPrintView(PractitionerDetailView):
    """The whole record (every tab, the certificate's status) on one page without the navigation, to print."""

    template_name = "practitioners/print.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(printed_at=timezone.localtime())
        return context


class ContactEditView(PractitionerAccessMixin, TemplateView):
    """A practitioner edits the contact data of their own record."""

    template_name = "practitioners/contact_form.html"

    def get(self, request, *args, **kwargs):
        form = ContactForm(instance=self.get_practitioner())
        return self.render_to_response(self.get_context_data(form=form, practitioner=self.get_practitioner()))

    def post(self, request, *args, **kwargs):
        form = ContactForm(request.POST, instance=self.get_practitioner())
        if form.is_valid():
            form.save()
            messages.success(request, _("Your contact details have been saved."))
            return redirect(self.get_practitioner())
        messages.error(request, _("Nothing was saved: please correct the fields marked in red."))
        return self.render_to_response(
            self.get_context_data(form=form, practitioner=self.get_practitioner())
        )


# --- CSV import and export (administrators) ---------------------------------------------------


class CsvImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV file"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > registry_csv.MAX_IMPORT_BYTES:
            raise forms.ValidationError(
                gettext_lazy("The file is too large: at most %(megabytes)d MB can be imported at once."),
                params={"megabytes": registry_csv.MAX_IMPORT_BYTES // (1024 * 1024)},
            )
        return upload


class PractitionerImportView(AccessRequiredMixin, TemplateView):
    """Upload a CSV file: every row is imported, or nothing and the errors are listed."""

    permission = access.EXCHANGE_REGISTRY_CSV
    template_name = "practitioners/import.html"
    shown_errors = 200

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", CsvImportForm())
        context.update(
            required_columns=registry_csv.REQUIRED_COLUMNS,
            optional_columns=registry_csv.OPTIONAL_COLUMNS,
            max_megabytes=registry_csv.MAX_IMPORT_BYTES // (1024 * 1024),
            max_rows=registry_csv.MAX_IMPORT_ROWS,
        )
        return context

    def post(self, request, *args, **kwargs):
        form = CsvImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        try:
            report = registry_csv.import_practitioners_csv(
                form.cleaned_data["file"].read(), actor=actor_of(request.user), request=request
            )
            errors = report.errors
        except Refused as refused:
            errors = csv_refusals.file_refusal_errors(refused)
        if errors:
            messages.error(request, _("Nothing was imported: please correct the file and try again."))
            return self.render_to_response(
                self.get_context_data(
                    form=form, errors=errors[: self.shown_errors],
                    hidden_errors=max(0, len(errors) - self.shown_errors),
                )
            )
        messages.success(
            request,
            _("Import done: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.")
            % {"created": report.created, "updated": report.updated, "unchanged": report.unchanged},
        )
        return redirect("practitioners:list")


class PractitionerExportView(AccessRequiredMixin, View):
    permission = access.EXCHANGE_REGISTRY_CSV

    def get(self, request, *args, **kwargs):
        today = timezone.localdate()
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="practitioners-{today:%Y-%m-%d}.csv"'
        registry_csv.export_practitioners_csv(response, day=today)
        return response
