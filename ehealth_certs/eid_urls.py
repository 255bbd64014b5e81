"""Reading an eID card for a new record; mounted under ``practitioners/eid/`` (see oxygen/urls.py)."""
from django.urls import path

from . import lifecycle_views

app_name = "ehealth_certs_eid"

urlpatterns = [
    path("", lifecycle_views.EidNewRecordView.as_view(), name="read"),
    path("new/", lifecycle_views.EidPrefilledCreateView.as_view(), name="create"),
]
