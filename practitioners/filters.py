"""The registry list's search, filters and sorting."""
from __future__ import annotations

import django_filters
from django import forms
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Exists, OuterRef
from django.http import QueryDict
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from . import list_extensions
from .models import InamiPeriod, Practitioner, Profession
from .search import terms as search_terms
from .selectors import conventioned_today_condition, current_inami_expression

ACTIVE_CHOICES = (("active", _("Active")), ("inactive", _("Inactive")), ("all", _("All")))
YES_NO_CHOICES = (("yes", _("Yes")), ("no", _("No")))


class StaticChoicesSelect(forms.Select):
    """A select over fixed choices, rendered once per language, selected value and attributes.

    The registry's filter form has five such selects; rendering their options through the widget
    templates was a visible share of every page (docs/benchmarks.md, benchmark 1, second round).
    A value outside the choices is rendered as usual and not kept, so what is kept is bounded by
    the choices.
    """

    _rendered: dict[tuple, str] = {}

    def render(self, name, value, attrs=None, renderer=None):
        choices = tuple((str(key), str(label)) for key, label in self.choices)
        if value not in (None, "") and str(value) not in {key for key, _label in choices}:
            return super().render(name, value, attrs, renderer)
        key = (get_language(), name, value, choices, tuple(sorted({**self.attrs, **(attrs or {})}.items())), renderer)
        html = self._rendered.get(key)
        if html is None:
            html = self._rendered[key] = super().render(name, value, attrs, renderer)
        return html


def _descending_label(label) -> str:
    return gettext("%s (descending)") % label


_descending = lazy(_descending_label, str)


class RegistryOrderingFilter(django_filters.OrderingFilter):
    """Sorting by INAMI number sorts on today's number, computed only when that order is asked for.

    The labels stay lazy: django-filter formats "(descending)" when the class is defined, in the
    language active at import time, which left French labels in the Dutch list.
    """

    def build_choices(self, fields, labels):
        choices = []
        for field, param in fields.items():
            choices += [(param, labels[field]), (f"-{param}", _descending(labels[field]))]
        return choices

    def filter(self, qs, value):
        if value and any(field.lstrip("-") == "inami" for field in value):
            qs = qs.alias(current_inami=current_inami_expression(timezone.localdate()))
        return super().filter(qs, value)


class PractitionerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    profession = django_filters.ChoiceFilter(
        choices=Profession.choices, method="filter_profession", label=_("Profession"), empty_label=_("All"),
        widget=StaticChoicesSelect,
    )
    conventioned = django_filters.ChoiceFilter(
        choices=YES_NO_CHOICES, method="filter_conventioned", label=_("Conventioned today"), empty_label=_("All"),
        widget=StaticChoicesSelect,
    )
    status = django_filters.ChoiceFilter(
        choices=ACTIVE_CHOICES, method="filter_status", label=_("Status"), empty_label=None, widget=StaticChoicesSelect
    )
    ordering = RegistryOrderingFilter(
        widget=StaticChoicesSelect,
        fields=(
            ("last_name", "name"),
            ("birth_date", "birth_date"),
            ("niss", "niss"),
            ("current_inami", "inami"),
        ),
        field_labels={
            "last_name": _("Name"), "birth_date": _("Date of birth"), "niss": _("NISS"), "current_inami": _("INAMI number"),
        },
        label=_("Sort by"),
        empty_label=None,  # no choice: the records' own order, by name, is the first one
    )

    class Meta:
        model = Practitioner
        fields: list[str] = []

    def __init__(self, data=None, *args, **kwargs):
        # The bare list (FilterView passes no data at all) shows active records, as the form says.
        data = data.copy() if data is not None else QueryDict(mutable=True)
        if not data.get("status"):
            data["status"] = "active"
        super().__init__(data, *args, **kwargs)
        self._add_registered_filters()
        self.form.fields["q"].widget = forms.TextInput(
            attrs={"placeholder": _("Name, NISS or INAMI number"), "type": "search"}
        )
        for field in self.form.fields.values():
            is_select = isinstance(field.widget, forms.Select)
            field.widget.attrs["class"] = "form-select" if is_select else "form-control"

    def _add_registered_filters(self) -> None:
        """The filters other apps register (``list_extensions``) go after the registry's own, before the sort."""
        ordering = self.filters.pop("ordering")
        for registered in list_extensions.filters():
            if registered.name in self.filters:
                raise ImproperlyConfigured(f"The registry list has its own filter named {registered.name!r}.")
            added = django_filters.ChoiceFilter(
                choices=registered.choices, method=_filter_method(registered.apply), label=registered.label,
                empty_label=_("All"), widget=StaticChoicesSelect,
            )
            added.model, added.parent = self.queryset.model, self
            self.filters[registered.name] = added
        self.filters["ordering"] = ordering

    def search(self, queryset, name, value):
        """Every term must match: a word a name (accents and case aside), a number a NISS, KBO or
        INAMI number, anywhere in it ("38861" finds 5/38861/71/521, "566988" finds 0566.988.259)."""
        for term, is_number in search_terms(value):
            if is_number:
                # One set of ids from both indexes: an OR with a subquery would read every record.
                found = Practitioner.objects.filter(search_text__contains=term).order_by().values("pk").union(
                    InamiPeriod.objects.filter(inami_number__contains=term).order_by().values("practitioner_id")
                )
                queryset = queryset.filter(pk__in=found)
            else:
                queryset = queryset.filter(search_text__contains=term)
        return queryset

    def filter_profession(self, queryset, name, value):
        return queryset.filter(Exists(InamiPeriod.objects.filter(practitioner=OuterRef("pk"), profession=value)))

    def filter_conventioned(self, queryset, name, value):
        conventioned = conventioned_today_condition(timezone.localdate())
        return queryset.filter(conventioned if value == "yes" else ~conventioned)

    def filter_status(self, queryset, name, value):
        if value == "all":
            return queryset
        return queryset.filter(is_active=(value == "active"))


def _filter_method(apply):
    """A registered filter's ``apply(queryset, value)`` as django-filter calls a method: (queryset, name, value)."""
    return lambda queryset, name, value: apply(queryset, value)
