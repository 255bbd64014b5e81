from django.urls import path

from . import views
from .record_form import PractitionerEditView

app_name = "practitioners"

urlpatterns = [
    path("", views.PractitionerListView.as_view(), name="list"),
    path("new/", PractitionerEditView.as_view(), name="create"),
    path("import/", views.PractitionerImportView.as_view(), name="import"),
    path("export/", views.PractitionerExportView.as_view(), name="export"),
    path("<uuid:public_id>/", views.PractitionerDetailView.as_view(), name="detail"),
    path("<uuid:public_id>/edit/", PractitionerEditView.as_view(), name="edit"),
    path("<uuid:public_id>/print/", views.PractitionerPrintView.as_view(), name="print"),
    path("<uuid:public_id>/contact/", views.ContactEditView.as_view(), name="contact"),
]
