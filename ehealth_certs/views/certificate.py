"""Certificate pages of a record: upload (with status and history), one certificate's entries, removal.

Only the practitioner on their own record and administrators reach these pages (403 for anybody
else logged in). No page ever serves the stored keystore.
"""
from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import TemplateView

from oxygen.errors import Refused

from ehealth_certs import keystore_text, refusals, selectors
from ehealth_certs.lifecycle import keystore_import
from ehealth_certs.forms import KeystoreUploadForm
from ehealth_certs.models import UploadChannel
from ehealth_certs.page_access import CertificateManagerMixin


@method_decorator(sensitive_post_parameters("password"), name="dispatch")
class CertificateUploadView(CertificateManagerMixin, TemplateView):
    template_name = "ehealth_certs/upload.html"

    @classmethod
    def as_view(cls, **initkwargs):
        # Outside ATOMIC_REQUESTS: validation (key derivations, the OCSP request) must not hold a
        # transaction open; import_keystore opens its own, only to store.
        return transaction.non_atomic_requests(super().as_view(**initkwargs))

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", KeystoreUploadForm())
        kwargs.setdefault("history", selectors.certificate_history(self.get_practitioner()))
        return super().get_context_data(**kwargs)

    def post(self, request, *args, **kwargs):
        practitioner = self.get_practitioner()
        form = KeystoreUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        try:
            outcome = keystore_import.import_keystore(
                practitioner,
                form.keystore_bytes,
                form.cleaned_data["password"],
                actor=self.actor,
                source_name=form.keystore_name,
                via=UploadChannel.WEB,
                request=request,
            )
        except Refused as refused:
            status = 429 if refused.code == keystore_import.THROTTLED else 200
            context = self.get_context_data(form=KeystoreUploadForm(), outcome=refusals.refused_import(refused))
            return self.render_to_response(context, status=status)
        certificate = outcome.certificate
        messages.success(
            request,
            _("The eHealth certificate has been imported. It is valid until %(date)s.")
            % {"date": timezone.localtime(certificate.not_after).strftime("%d/%m/%Y")},
        )
        for code in outcome.warnings:
            messages.warning(request, keystore_text.warning_message(code))
        return redirect("ehealth_certs:detail", public_id=practitioner.public_id, certificate_id=certificate.public_id)


class CertificateDetailView(CertificateManagerMixin, TemplateView):
    """One certificate of the record: its metadata and every keystore entry found at import."""

    template_name = "ehealth_certs/detail.html"

    def get_context_data(self, **kwargs):
        certificate = selectors.certificate_with_entries(self.get_practitioner(), self.kwargs["certificate_id"])
        if certificate is None:
            raise Http404
        kwargs["certificate"] = certificate
        kwargs["certificate_status"] = selectors.status_for(certificate.not_after) if certificate.is_active else None
        return super().get_context_data(**kwargs)


class CertificateRemoveView(CertificateManagerMixin, TemplateView):
    """Confirmation page (GET), then removal (POST) of the record's active certificate."""

    template_name = "ehealth_certs/remove.html"

    def get_certificate(self):
        certificate = selectors.certificate_with_entries(self.get_practitioner(), self.kwargs["certificate_id"])
        if certificate is None:
            raise Http404
        return certificate

    def get(self, request, *args, **kwargs):
        certificate = self.get_certificate()
        if not certificate.is_active:
            messages.info(request, _("This certificate is no longer active: there is nothing to remove."))
            return redirect(self._certificate_page())
        return self.render_to_response(self.get_context_data(certificate=certificate))

    def post(self, request, *args, **kwargs):
        certificate = self.get_certificate()
        try:
            keystore_import.remove_certificate(certificate, actor=self.actor, request=request)
        except Refused:  # keystore_import.NOT_ACTIVE
            messages.info(request, _("This certificate is no longer active: there is nothing to remove."))
        else:
            messages.success(request, _("The eHealth certificate has been removed from this record."))
        return redirect(self._certificate_page())

    def _certificate_page(self) -> str:
        return reverse("ehealth_certs:upload", kwargs={"public_id": self.get_practitioner().public_id})
