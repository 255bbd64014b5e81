"""Django admin for administrators: the editable list of treatment-record types, and the records
(with their history). Front desk works in the registry pages, which apply the same validation."""
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .forms import InamiPeriodForm, PractitionerForm
from .models import InamiPeriod, Practitioner, TreatmentType


@admin.register(TreatmentType)
class TreatmentTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "is_active"]
    list_editable = ["is_active"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}


class InamiPeriodInline(admin.TabularInline):
    model = InamiPeriod
    form = InamiPeriodForm
    extra = 0


@admin.register(Practitioner)
class PractitionerAdmin(SimpleHistoryAdmin):
    form = PractitionerForm
    inlines = [InamiPeriodInline]
    list_display = ["__str__", "niss", "language", "is_active", "user"]
    list_filter = ["is_active", "language", "category"]
    search_fields = ["last_name", "first_names", "niss", "inami_periods__inami_number"]
    autocomplete_fields = ["user"]
    filter_horizontal = ["treatment_types"]
