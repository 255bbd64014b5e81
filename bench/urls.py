"""The project's URLs plus ``/bench/minimal``: the baseline the registry page is compared with."""
from django.http import HttpResponse
from django.urls import path

from oxygen.urls import urlpatterns as project_urlpatterns


def minimal(request):
    """The least a Django view does: the whole middleware stack, no template, no query."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/minimal", minimal), *project_urlpatterns]
