"""The registry list's search, filters and sorting."""
from __future__ import annotations

import re

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from ehealth_certs.selectors import STATUS_CHOICES as CERTIFICATE_STATUS_CHOICES
from ehealth_certs.selectors import with_certificate_status

from .models import InamiPeriod, Practitioner, Profession

ACTIVE_CHOICES = (("active", _("Active")), ("inactive", _("Inactive")), ("all", _("All")))
YES_NO_CHOICES = (("yes", _("Yes")), ("no", _("No")))


class PractitionerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    profession = django_filters.ChoiceFilter(choices=Profession.choices, method="filter_profession", label=_("Profession"))
    conventioned = django_filters.ChoiceFilter(
        choices=YES_NO_CHOICES, method="filter_conventioned", label=_("Conventioned today")
    )
    status = django_filters.ChoiceFilter(
        choices=ACTIVE_CHOICES, method="filter_status", label=_("Status"), empty_label=None
    )
    certificate = django_filters.ChoiceFilter(
        choices=CERTIFICATE_STATUS_CHOICES, method="filter_certificate", label=_("eHealth certificate")
    )
    ordering = django_filters.OrderingFilter(
        fields=(
            ("last_name", "name"),
            ("birth_date", "birth_date"),
            ("niss", "niss"),
            ("current_inami", "inami"),
        ),
        field_labels={"name": _("Name"), "birth_date": _("Date of birth"), "niss": _("NISS"), "inami": _("INAMI number")},
        label=_("Sort by"),
    )

    class Meta:
        model = Practitioner
        fields: list[str] = []

    def __init__(self, data=None, *args, **kwargs):
        data = data.copy() if data is not None else None
        if data is not None and not data.get("status"):
            data["status"] = "active"
        super().__init__(data, *args, **kwargs)
        # Every row carries its eHealth certificate status (annotations: no extra query per row).
        self.queryset = with_certificate_status(self.queryset)
        self.form.fields["q"].widget = forms.TextInput(
            attrs={"placeholder": _("Name, NISS or INAMI number"), "type": "search"}
        )
        for field in self.form.fields.values():
            is_select = isinstance(field.widget, forms.Select)
            field.widget.attrs["class"] = "form-select" if is_select else "form-control"

    def search(self, queryset, name, value):
        """A number (formatted or not) searches NISS and INAMI numbers; words search the names."""
        digits = re.sub(r"[\s./-]", "", value)
        if digits.isdigit():
            numbers = InamiPeriod.objects.filter(practitioner=OuterRef("pk"), inami_number__startswith=digits)
            return queryset.filter(Q(niss__startswith=digits) | Q(Exists(numbers)))
        condition = Q()
        for word in value.split():
            condition &= Q(last_name__icontains=word) | Q(first_names__icontains=word)
        return queryset.filter(condition)

    def filter_profession(self, queryset, name, value):
        return queryset.filter(Exists(InamiPeriod.objects.filter(practitioner=OuterRef("pk"), profession=value)))

    def filter_conventioned(self, queryset, name, value):
        return queryset.filter(conventioned_today=(value == "yes"))

    def filter_certificate(self, queryset, name, value):
        return queryset.filter(certificate_status=value)

    def filter_status(self, queryset, name, value):
        if value == "all":
            return queryset
        return queryset.filter(is_active=(value == "active"))
