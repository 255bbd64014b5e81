from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from practitioners import user_language

from . import health, views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("healthz", health.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", user_language.set_language, name="set_language"),
    path("practitioners/", include("practitioners.urls")),
    path("", include("ehealth_certs.urls")),
    path("", include("eid.urls")),
    path("audit/", include("audit.urls")),
    path("admin/", admin.site.urls),
]
