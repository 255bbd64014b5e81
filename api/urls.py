from django.urls import path, re_path

from . import v1
from .errors import json_not_found

app_name = "api"

urlpatterns = [
    path("api/v1/", v1.api.urls),
    re_path(r"^api/", json_not_found),
]
