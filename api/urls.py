"""The API app's URLs, included at the site root (oxygen/urls.py): the administrators' token pages."""
from django.urls import path

from api import views

app_name = "api"

TOKENS = "service-tokens/"

urlpatterns = [
    path(TOKENS, views.ServiceTokenListView.as_view(), name="service_tokens"),
    path(TOKENS + "new/", views.ServiceTokenCreateView.as_view(), name="service_token_create"),
    path(TOKENS + "<uuid:token_id>/revoke/", views.ServiceTokenRevokeView.as_view(), name="service_token_revoke"),
]
