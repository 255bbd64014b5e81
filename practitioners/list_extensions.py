"""What other apps add to the registry list: columns after the registry's own, filters before the sort.

The registry knows nothing of the apps that extend it: an app registers, in its
``AppConfig.ready()``, a :class:`Column` with ``add_column`` and a :class:`Filter` with
``add_filter``. The list page (``views.PractitionerListView``, ``templates/practitioners/list.html``,
``{% registry_rows %}``) and its filter form (``filters.PractitionerFilter``) show them in their
order of registration. The certificate app's status column and filter are registered this way
(``ehealth_certs/apps.py``, ``ehealth_certs/registry_list.py``).

The list stays fast whatever is registered: a column's ``attach`` sets what its cells read on a whole
page of records (one query for the page, never one per row), and its ``cells`` prepares the page
once (translated texts, for instance) then renders each row's cell in Python, without a template.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from django.utils.functional import Promise

from .models import Practitioner


@dataclass(frozen=True)
class Column:
    header: str | Promise  # the column's header, translated when the page is rendered
    css_class: str  # the class attribute of the column's cells
    attach: Callable[[list[Practitioner]], None]  # sets what the cells read on a page's records
    cells: Callable[[], Callable[[Practitioner], str]]  # once per page: the function rendering one row's cell (escaped HTML)


@dataclass(frozen=True)
class Filter:
    name: str  # the query parameter
    label: str | Promise
    choices: Sequence[tuple[str, str | Promise]]  # "All" (no value) comes first, offered by the registry
    apply: Callable[[QuerySet[Practitioner], str], QuerySet[Practitioner]]  # the records matching a chosen value


_columns: list[Column] = []
_filters: list[Filter] = []


def add_column(column: Column) -> None:
    _columns.append(column)


def add_filter(filter_: Filter) -> None:
    if any(registered.name == filter_.name for registered in _filters):
        raise ImproperlyConfigured(f"The registry list already has a filter named {filter_.name!r}.")
    _filters.append(filter_)


def columns() -> tuple[Column, ...]:
    return tuple(_columns)


def filters() -> tuple[Filter, ...]:
    return tuple(_filters)
