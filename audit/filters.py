"""The audit page's filters: kind, user and a date range (dd/mm/yyyy)."""
from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent, EventKind


class AuditEventFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=EventKind.choices, label=_("Event"), empty_label=_("All events"))
    user = django_filters.CharFilter(method="filter_user", label=_("User"))
    since = django_filters.DateFilter(field_name="occurred_at", lookup_expr="date__gte", label=_("From"))
    until = django_filters.DateFilter(field_name="occurred_at", lookup_expr="date__lte", label=_("Until"))

    class Meta:
        model = AuditEvent
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form.fields["user"].widget = forms.TextInput(attrs={"type": "search", "placeholder": _("User name or program")})
        for name in ("since", "until"):
            self.form.fields[name].widget = forms.DateInput(attrs={"placeholder": _("dd/mm/yyyy")})
        for field in self.form.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def filter_user(self, queryset, name, value):
        """The user's name, the name typed in a failed login, or the program whose token made an API call."""
        value = value.strip()
        return queryset.filter(
            Q(username__icontains=value) | Q(username_attempted__icontains=value) | Q(details__client__icontains=value)
        )
