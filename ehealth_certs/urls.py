"""Mounted under ``practitioners/<uuid:public_id>/certificate/`` (see oxygen/urls.py)."""
from django.urls import path

from . import views

app_name = "ehealth_certs"

urlpatterns = [
    path("", views.CertificateUploadView.as_view(), name="upload"),
    path("<uuid:certificate_id>/", views.CertificateDetailView.as_view(), name="detail"),
    path("<uuid:certificate_id>/remove/", views.CertificateRemoveView.as_view(), name="remove"),
]
