"""Mounted under ``certificates/`` (see oxygen/urls.py): pages about every record's certificate."""
from django.urls import path

from . import overview_views

app_name = "certificates"

urlpatterns = [
    path("", overview_views.CertificatesOverviewView.as_view(), name="overview"),
    path("print/", overview_views.CertificatesPrintView.as_view(), name="print"),
    path("export.csv", overview_views.CertificatesExportView.as_view(), name="export"),
]
