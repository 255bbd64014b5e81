"""The certificate pages: a record's certificate and its life cycle, and the practice's overview.

Included at the site root (see oxygen/urls.py); every path is written out in full here.
"""
from django.urls import path

from ehealth_certs.views import certificate, lifecycle, overview

app_name = "ehealth_certs"

RECORD = "practitioners/<uuid:public_id>/certificate/"

urlpatterns = [
    path(RECORD, certificate.CertificateUploadView.as_view(), name="upload"),
    path(RECORD + "<uuid:certificate_id>/", certificate.CertificateDetailView.as_view(), name="detail"),
    path(RECORD + "<uuid:certificate_id>/remove/", certificate.CertificateRemoveView.as_view(), name="remove"),
    # Certificate life cycle
    path(RECORD + "<uuid:certificate_id>/renewal/", lifecycle.RenewalStepView.as_view(), name="renewal_step"),
    path(RECORD + "<uuid:certificate_id>/password/", lifecycle.PasswordChangeView.as_view(), name="password"),
    path(RECORD + "<uuid:certificate_id>/revoke/", lifecycle.RevokeView.as_view(), name="revoke"),
    path(RECORD + "password/", lifecycle.UploadedPasswordChangeView.as_view(), name="password_file"),
    path(RECORD + "download/<str:token>/", lifecycle.DownloadPageView.as_view(), name="download"),
    path(RECORD + "download/<str:token>/file/", lifecycle.DownloadFileView.as_view(), name="download_file"),
    # Every record's certificate (administrators)
    path("certificates/", overview.CertificatesOverviewView.as_view(), name="overview"),
    path("certificates/print/", overview.CertificatesPrintView.as_view(), name="overview_print"),
    path("certificates/export.csv", overview.CertificatesExportView.as_view(), name="overview_export"),
]
