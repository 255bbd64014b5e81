"""The eID card pages. Included at the site root (see oxygen/urls.py)."""
from django.urls import path

from eid import views

app_name = "eid"

urlpatterns = [
    path("practitioners/eid/", views.EidNewRecordView.as_view(), name="read"),
    path("practitioners/eid/new/", views.EidPrefilledCreateView.as_view(), name="create"),
    path("practitioners/<uuid:public_id>/certificate/eid/", views.EidReadView.as_view(), name="record"),
]
