"""Mounted under ``practitioners/<uuid:public_id>/certificate/`` (see oxygen/urls.py)."""
from django.urls import path

from . import lifecycle_views, views

app_name = "ehealth_certs"

urlpatterns = [
    path("", views.CertificateUploadView.as_view(), name="upload"),
    path("<uuid:certificate_id>/", views.CertificateDetailView.as_view(), name="detail"),
    path("<uuid:certificate_id>/remove/", views.CertificateRemoveView.as_view(), name="remove"),
    # Certificate life cycle
    path("<uuid:certificate_id>/renewal/", lifecycle_views.RenewalStepView.as_view(), name="renewal_step"),
    path("<uuid:certificate_id>/password/", lifecycle_views.PasswordChangeView.as_view(), name="password"),
    path("<uuid:certificate_id>/revoke/", lifecycle_views.RevokeView.as_view(), name="revoke"),
    path("password/", lifecycle_views.UploadedPasswordChangeView.as_view(), name="password_file"),
    path("download/<str:token>/", lifecycle_views.DownloadPageView.as_view(), name="download"),
    path("download/<str:token>/file/", lifecycle_views.DownloadFileView.as_view(), name="download_file"),
    path("eid/", lifecycle_views.EidReadView.as_view(), name="eid"),
]
