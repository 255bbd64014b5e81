from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import health

urlpatterns = [
    path("", include("practitioners.root_urls")),
    path("healthz", health.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("practitioners/", include("practitioners.urls")),
    path("", include("ehealth_certs.urls")),
    path("", include("eid.urls")),
    path("audit/", include("audit.urls")),
    path("", include("api.urls")),
    path("admin/", admin.site.urls),
]
