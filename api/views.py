"""The administrators' pages for service tokens: the list, a new token (its text shown once), revoking one.

Thin: the form checks the input, ``api.services`` creates and revokes (and writes the audit log).
The page that shows a new token's text is never cached (``Cache-Control: no-store``) and the text is
kept nowhere else: not in the session, not in a message, not in the log.
"""
from __future__ import annotations

from django.contrib import messages
from django.db.models import F
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from oxygen.actors import ActorMixin
from oxygen.errors import Refused
from practitioners.access import MANAGE_SERVICE_TOKENS, AccessRequiredMixin

from . import services
from .forms import ServiceTokenForm
from .models import NAME_TAKEN_MESSAGE, ServiceToken



class ServiceTokenAdminMixin(ActorMixin, AccessRequiredMixin):
    permission = MANAGE_SERVICE_TOKENS


class ServiceTokenListView(ServiceTokenAdminMixin, TemplateView):
    """Valid tokens first (newest first), then the revoked ones (kept: the audit log names them)."""

    template_name = "api/token_list.html"

    def get_context_data(self, **kwargs):
        kwargs["tokens"] = ServiceToken.objects.select_related("created_by", "revoked_by").order_by(
            F("revoked_at").desc(nulls_first=True), "-created_at", "-pk"
        )
        return super().get_context_data(**kwargs)


@method_decorator(never_cache, name="dispatch")
class ServiceTokenCreateView(ServiceTokenAdminMixin, TemplateView):
    template_name = "api/token_form.html"

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", ServiceTokenForm())
        return super().get_context_data(**kwargs)

    def post(self, request, *args, **kwargs):
        form = ServiceTokenForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        data = form.cleaned_data
        try:
            created = services.create_token(
                name=data["name"], scopes=data["scopes"], requests_per_minute=data["requests_per_minute"],
                actor=self.actor, request=request,
            )
        except Refused as refused:  # another administrator gave the name at the same moment
            if refused.code != services.NAME_TAKEN:
                raise
            form.add_error("name", NAME_TAKEN_MESSAGE)
            return self.render_to_response(self.get_context_data(form=form))
        context = {
            "token": created.token, "token_text": created.text,
            "api_address": request.build_absolute_uri(reverse("api-v1:api-root")),
            "api_documentation": reverse("api-v1:openapi-view"),
        }
        return self.response_class(request, "api/token_created.html", context)


class ServiceTokenRevokeView(ServiceTokenAdminMixin, TemplateView):
    """Confirmation (GET), then the token is revoked (POST): its calls are refused at once."""

    template_name = "api/token_revoke.html"

    def get_token(self) -> ServiceToken:
        return get_object_or_404(ServiceToken, public_id=self.kwargs["token_id"])

    def get(self, request, *args, **kwargs):
        token = self.get_token()
        if token.is_revoked:
            messages.info(request, _("The token “%(name)s” is already revoked.") % {"name": token.name})
            return redirect("api:service_tokens")
        return self.render_to_response(self.get_context_data(token=token))

    def post(self, request, *args, **kwargs):
        token = self.get_token()
        try:
            services.revoke_token(token, actor=self.actor, request=request)
        except Refused:
            messages.info(request, _("The token “%(name)s” is already revoked.") % {"name": token.name})
        else:
            messages.success(request, _("The token “%(name)s” is revoked: calls with it are refused from now on.") % {"name": token.name})
        return redirect("api:service_tokens")
