"""The record's create and edit page: the whole record with its INAMI periods, nothing saved unless all is valid.

A page class of its own (not in ``views``) because two apps serve it: the registry (``urls``: new
record, edit) and the eID card, whose new-record page fills it from the card (``eid.views``).
"""
from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from . import record_tabs
from .access import RegistryManagerRequiredMixin
from .forms import InamiPeriodFormSet, PractitionerForm
from .models import Practitioner


class PractitionerEditView(RegistryManagerRequiredMixin, TemplateView):
    """Create or edit a whole record with its INAMI periods; nothing is saved unless all is valid."""

    template_name = "practitioners/form.html"

    def get_practitioner(self) -> Practitioner | None:
        public_id = self.kwargs.get("public_id")
        return get_object_or_404(Practitioner, public_id=public_id) if public_id else None

    def get(self, request, *args, **kwargs):
        practitioner = self.get_practitioner()
        form = PractitionerForm(instance=practitioner)
        formset = InamiPeriodFormSet(instance=practitioner or Practitioner(), prefix="periods")
        active_tab = record_tabs.requested(request.GET, record_tabs.FORM_TABS)
        return self.render_to_response(
            self.get_context_data(form=form, formset=formset, practitioner=practitioner, **self._tabs(active_tab))
        )

    def post(self, request, *args, **kwargs):
        practitioner = self.get_practitioner()
        form = PractitionerForm(request.POST, instance=practitioner)
        formset = InamiPeriodFormSet(request.POST, instance=form.instance, prefix="periods")
        if all([form.is_valid(), formset.is_valid()]):  # both validated, so every error is shown
            with transaction.atomic():
                saved = form.save()
                formset.save()
            messages.success(request, _("The record of %(name)s has been saved.") % {"name": saved})
            return redirect(record_tabs.url(saved.get_absolute_url(), record_tabs.requested(request.POST, record_tabs.FORM_TABS)))
        messages.error(request, _("The record was not saved: please correct the fields marked in red."))
        # the first tab with an error; the periods (below the tabs) are in view whatever the tab
        with_errors = form.tabs_with_errors()
        shown = record_tabs.requested(request.POST, record_tabs.FORM_TABS)
        active_tab = next((name for name in record_tabs.FORM_TABS if name in with_errors), shown)
        return self.render_to_response(
            self.get_context_data(form=form, formset=formset, practitioner=practitioner, **self._tabs(active_tab, with_errors))
        )

    @staticmethod
    def _tabs(active_tab: str, with_errors: frozenset[str] = frozenset()) -> dict:
        return {"active_tab": active_tab, "tabs": record_tabs.tabs(record_tabs.FORM_TABS, active_tab, with_errors)}
