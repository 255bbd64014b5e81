"""The project's URLs plus the two baselines the registry page is compared with."""
from django.http import HttpResponse
from django.urls import path
from django.views import View

from oxygen.urls import urlpatterns as project_urlpatterns
from practitioners.access import RegistryManagerRequiredMixin


def minimal(request):
    """The least a Django view does: the whole middleware stack, no template, no query."""
    return HttpResponse("ok", content_type="text/plain")


class AuthenticatedMinimal(RegistryManagerRequiredMixin, View):
    """The least a registry page does: the session, the user and the user's permissions, as the list's
    own access check reads them; no template, no query of its own."""

    def get(self, request):
        return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("bench/minimal", minimal),
    path("bench/authenticated", AuthenticatedMinimal.as_view()),
    *project_urlpatterns,
]
