"""The eID card pages (thin views over ``eid.services``).

Reading the card (it holds no key material): whoever may see the record; proving possession
with the PIN: the practitioner themself or an administrator; filling a new record from the card:
front desk and administrators.
"""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import TemplateView

from eid import refusals, services
from eid.forms import EidProofForm
from oxygen.actors import ActorMixin
from oxygen.errors import Refused
from practitioners import access
from practitioners.access import PractitionerAccessMixin, RegistryManagerRequiredMixin
from practitioners.record_form import PractitionerEditView

SESSION_EID_RECORD = "eid:new-record"

def _eid_error_context(refused: Refused) -> dict:
    return {"eid_error": {"message": refusals.card_reading_message(refused)}, "eid_error_code": refused.code}


@method_decorator([sensitive_post_parameters("pin"), never_cache], name="dispatch")
class EidReadView(ActorMixin, PractitionerAccessMixin, TemplateView):
    """Read the card in the reader (POST action=read) or prove possession with the PIN (action=prove)."""

    template_name = "eid/read.html"

    def get_context_data(self, **kwargs):
        kwargs.setdefault("practitioner", self.get_practitioner())
        kwargs.setdefault("pin_form", EidProofForm())
        kwargs.setdefault("may_prove", self.may_prove())
        return super().get_context_data(**kwargs)

    def may_prove(self) -> bool:
        """PINs go to the card in the server's reader: only the practitioner themself or whoever may
        manage any certificate (administrators)."""
        return access.allowed(self.request.user, access.MANAGE_ANY_CERTIFICATE, self.get_practitioner())

    def post(self, request, *args, **kwargs):
        pin = None
        if request.POST.get("action") == "prove":
            if not self.may_prove():
                raise PermissionDenied
            form = EidProofForm(request.POST)
            if not form.is_valid():
                return self.render_to_response(self.get_context_data(pin_errors=form.errors))
            pin = form.cleaned_data["pin"]
        try:
            reading = services.read_card(pin=pin, practitioner=self.get_practitioner(), actor=self.actor, request=request)
        except Refused as refused:
            return self.render_to_response(self.get_context_data(**_eid_error_context(refused)))
        return self.render_to_response(self.get_context_data(reading=reading))


@method_decorator([sensitive_post_parameters("pin"), never_cache], name="dispatch")
class EidNewRecordView(ActorMixin, RegistryManagerRequiredMixin, TemplateView):
    """Read the card for a new record: its data go to the new-record form (nothing is saved here)."""

    template_name = "eid/read.html"

    def get_context_data(self, **kwargs):
        kwargs.setdefault("pin_form", EidProofForm())
        return super().get_context_data(**kwargs)

    def post(self, request, *args, **kwargs):
        try:
            reading = services.read_card(actor=self.actor, request=request)
        except Refused as refused:
            return self.render_to_response(self.get_context_data(**_eid_error_context(refused)))
        existing = services.record_with_niss(reading.holder.niss)
        if existing is not None:
            return self.render_to_response(self.get_context_data(reading=reading, existing=existing))
        request.session[SESSION_EID_RECORD] = services.holder_to_session(reading.holder)
        return redirect("eid:create")


class EidPrefilledCreateView(PractitionerEditView):
    """The new-record form filled with the card's data (from the session); saved only by the user."""

    def get(self, request, *args, **kwargs):
        initial = request.session.get(SESSION_EID_RECORD)
        if not initial:
            messages.info(request, _("Read the eID card first."))
            return redirect("eid:read")
        response = super().get(request, *args, **kwargs)
        response.context_data["form"].initial.update(services.fields_from_session(initial))
        messages.info(request, _("The name, NISS, date of birth and sex come from the eID card: check them, complete the record, then save."))
        return response

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        if response.status_code == 302:
            request.session.pop(SESSION_EID_RECORD, None)
        return response

