"""The API's addresses. Ninja reverses its own namespaces from the root, so they are not nested in an app namespace."""
from django.urls import path, re_path

from . import fhir, v1
from .errors import json_not_found

urlpatterns = [
    path("api/v1/", v1.api.urls),
    path("fhir/", fhir.api.urls),
    re_path(r"^fhir/", fhir.not_found),
    re_path(r"^api/", json_not_found),
]
