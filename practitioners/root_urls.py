"""The pages the project mounts at its root, without a namespace: the main screen and the language switch."""
from django.urls import path

from . import user_language, views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("i18n/setlang/", user_language.set_language, name="set_language"),
]
