"""The API app's addresses, included at the site root (oxygen/urls.py): the read API, FHIR, and the
administrators' token pages (namespace ``api``). Ninja reverses its APIs' namespaces (``api-v1``,
``fhir``) from the root, so they are not nested in the app's namespace."""
from django.urls import include, path, re_path

from . import fhir, v1, views

TOKENS = "service-tokens/"

token_pages = [
    path(TOKENS, views.ServiceTokenListView.as_view(), name="service_tokens"),
    path(TOKENS + "new/", views.ServiceTokenCreateView.as_view(), name="service_token_create"),
    path(TOKENS + "<uuid:token_id>/revoke/", views.ServiceTokenRevokeView.as_view(), name="service_token_revoke"),
]

urlpatterns = [
    path("", include((token_pages, "api"))),
    path("api/v1/", v1.api.urls),
    path("fhir/", fhir.api.urls),
    # Any other address under the prefixes (a malformed id among them): a 404 in the API's own form.
    re_path(r"^fhir/", fhir.unknown_address, name="fhir_not_found"),
    re_path(r"^api/", v1.unknown_address, name="api_not_found"),
]
