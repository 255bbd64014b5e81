"""Pages of the certificate life cycle, from the practitioner's record (thin views over the services).

Renewal steps, password change, revocation: the practitioner on their own record and
administrators (``CertificateManagerMixin``).
"""
from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import TemplateView, View

from oxygen.errors import Refused
from practitioners import record_tabs

from ehealth_certs import refusals, selectors
from ehealth_certs.lifecycle import password_change, renewal, revocation
from ehealth_certs.keystore_text import password_rules_for_browser
from ehealth_certs.forms import PasswordChangeForm, RenewalStepForm, RevocationForm, UploadedPasswordChangeForm
from ehealth_certs.models import Certificate, CertificateState, RenewalStep, stored_bytes
from ehealth_certs.page_access import CertificateManagerMixin

PASSWORD_FIELDS = ("current_password", "new_password", "confirmation")


class RecordCertificateMixin(CertificateManagerMixin):
    """A certificate of the record named in the URL (404 for another record's)."""

    def get_certificate(self) -> Certificate:
        if not hasattr(self, "_certificate"):
            certificate = (
                self.get_practitioner().certificates.defer(*stored_bytes())
                .filter(public_id=self.kwargs["certificate_id"]).first()
            )
            if certificate is None:
                raise Http404
            self._certificate = certificate
        return self._certificate

    def record_url(self, anchor: str = "") -> str:
        """The record, opened on the tab that holds the certificate (and scrolled to ``anchor``)."""
        return record_tabs.url(self.get_practitioner().get_absolute_url(), record_tabs.CERTIFICATE, anchor)


# --------------------------------------------------------------------------- renewal


class RenewalStepView(RecordCertificateMixin, View):
    """POST: tick (done=1) or untick (done=0) a renewal step of the active certificate."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        certificate = self.get_certificate()
        form = RenewalStepForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Unknown renewal step: nothing was changed."))
        else:
            step, done = form.cleaned_data["step"], form.cleaned_data["done"]
            label = RenewalStep(step).label
            try:
                renewal.tick_step(certificate, step, actor=self.actor) if done else renewal.untick_step(certificate, step)
            except Refused:  # renewal.NOT_ACTIVE
                messages.info(request, _("This certificate is no longer active: its renewal steps cannot change."))
            else:
                if done:
                    messages.success(request, _("Step “%(step)s” is marked as done.") % {"step": label})
                else:
                    messages.success(request, _("Step “%(step)s” is marked as not done.") % {"step": label})
        return redirect(self.record_url("renewal-panel"))


# --------------------------------------------------------------------------- password change


def _policy_context() -> dict:
    return {"password_policy": password_rules_for_browser()}


def _refusal_context(view, form, refused: Refused) -> dict:
    """The page again, with an empty form and the refusal (``outcome``: its code, words and failed rules)."""
    outcome = {
        "error": refused.code,
        "message": refusals.password_change_message(refused),
        "failed_rules": refused.params.get("failed_rules", []),
    }
    return {
        "context": view.get_context_data(form=form, outcome=outcome),
        "status": 429 if refused.code == password_change.THROTTLED else 200,
    }


@method_decorator([sensitive_post_parameters(*PASSWORD_FIELDS), never_cache], name="dispatch")
class PasswordChangeView(RecordCertificateMixin, TemplateView):
    """Change the password of the stored keystore, then offer the new file once."""

    template_name = "ehealth_certs/lifecycle/password_change.html"

    def get_context_data(self, **kwargs):
        kwargs.setdefault("certificate", self.get_certificate())
        kwargs.setdefault("form", PasswordChangeForm())
        kwargs["password_changes"] = self.get_certificate().password_changes.select_related("changed_by")[:5]
        kwargs.update(_policy_context())
        return super().get_context_data(**kwargs)

    def get(self, request, *args, **kwargs):
        if not self.get_certificate().is_active:
            messages.info(request, _("This certificate is no longer active: its password cannot be changed here."))
            return redirect(self.record_url())
        if self._expired():
            return self._refuse_expired()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        certificate = self.get_certificate()
        if self._expired():
            return self._refuse_expired()
        form = PasswordChangeForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        data = form.cleaned_data
        try:
            token = password_change.change_stored_keystore_password(
                certificate, data["current_password"], data["new_password"], data["confirmation"],
                actor=self.actor, request=request,
            )  # fmt: skip
        except Refused as refused:
            return self.render_to_response(**_refusal_context(self, PasswordChangeForm(), refused))
        messages.success(request, _("The keystore password has been changed. Download the new keystore file now: it is offered once."))
        return redirect("ehealth_certs:download", public_id=self.get_practitioner().public_id, token=token)

    def _expired(self) -> bool:
        return selectors.status_for(self.get_certificate().not_after) == selectors.EXPIRED

    def _refuse_expired(self):
        """An expired certificate is not worth a new password: it must be requested anew (the record says how)."""
        messages.info(self.request, _("This certificate has expired: request a new certificate rather than changing its password."))
        return redirect(self.record_url("expired-steps"))


@method_decorator([sensitive_post_parameters(*PASSWORD_FIELDS), never_cache], name="dispatch")
class UploadedPasswordChangeView(CertificateManagerMixin, TemplateView):
    """Change the password of a keystore file that is not stored: the new file comes straight back."""

    template_name = "ehealth_certs/lifecycle/password_change.html"

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", UploadedPasswordChangeForm())
        kwargs["uploaded"] = True
        kwargs.update(_policy_context())
        return super().get_context_data(**kwargs)

    def post(self, request, *args, **kwargs):
        form = UploadedPasswordChangeForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        data = form.cleaned_data
        try:
            keystore = password_change.change_uploaded_keystore_password(
                form.keystore_bytes, data["current_password"], data["new_password"], data["confirmation"],
                practitioner=self.get_practitioner(), actor=self.actor, request=request,
            )  # fmt: skip
        except Refused as refused:
            return self.render_to_response(**_refusal_context(self, UploadedPasswordChangeForm(), refused))
        return keystore_response(keystore, form.keystore_name)


def keystore_response(keystore: bytes, file_name: str) -> HttpResponse:
    response = HttpResponse(keystore, content_type="application/x-pkcs12")
    response["Content-Disposition"] = content_disposition_header(True, file_name)
    response["Cache-Control"] = "no-store"
    response["Content-Length"] = str(len(keystore))
    return response


@method_decorator(never_cache, name="dispatch")
class DownloadPageView(CertificateManagerMixin, TemplateView):
    """The page offering the re-encrypted keystore (showing it does not use up the download)."""

    template_name = "ehealth_certs/lifecycle/download.html"

    def get_context_data(self, **kwargs):
        kwargs["download"] = password_change.pending_download(
            self.kwargs["token"], self.actor, self.get_practitioner()
        )
        kwargs["token"] = self.kwargs["token"]
        return super().get_context_data(**kwargs)

    def render_to_response(self, context, **response_kwargs):
        response_kwargs.setdefault("status", 200 if context["download"] is not None else 410)
        response = super().render_to_response(context, **response_kwargs)
        response["Cache-Control"] = "no-store"
        return response


class DownloadFileView(CertificateManagerMixin, View):
    """The file itself, once (the row is deleted); 410 once taken, expired, or for another user."""

    http_method_names = ["get"]

    def get(self, request, *args, **kwargs):
        taken = password_change.take_download(self.kwargs["token"], self.actor, self.get_practitioner())
        if taken is None:
            messages.error(request, _("This download is no longer available: it was already downloaded or has expired."))
            return redirect("ehealth_certs:download", public_id=self.get_practitioner().public_id, token=self.kwargs["token"])
        keystore, file_name = taken
        return keystore_response(keystore, file_name)


# --------------------------------------------------------------------------- revocation


class RevokeView(RecordCertificateMixin, TemplateView):
    """Confirmation form (GET), then the revocation is recorded (POST)."""

    template_name = "ehealth_certs/lifecycle/revoke.html"

    def get_context_data(self, **kwargs):
        kwargs.setdefault("certificate", self.get_certificate())
        kwargs.setdefault("form", RevocationForm())
        return super().get_context_data(**kwargs)

    def get(self, request, *args, **kwargs):
        if self.get_certificate().state == CertificateState.REVOKED:
            messages.info(request, _("This certificate is already recorded as revoked."))
            return redirect(self.record_url())
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        certificate = self.get_certificate()
        form = RevocationForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            request_ = revocation.Revocation(data["reason"], data["revocation_date"], data["reason_text"])
            try:
                revocation.revoke_certificate(certificate, request_, actor=self.actor, request=request)
            except Refused as refused:
                if refused.code != revocation.ALREADY_REVOKED:
                    form.add_refusal(refused)
                    return self.render_to_response(self.get_context_data(form=form))
                messages.info(request, _("This certificate is already recorded as revoked."))
            else:
                messages.success(request, _("The revocation has been recorded. Request a new certificate, then import it here."))
            return redirect(self.record_url("revocation-steps"))
        return self.render_to_response(self.get_context_data(form=form))
