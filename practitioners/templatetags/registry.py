"""Display filters for the registry's identifiers and ages, and the registry table's rows."""
from collections.abc import Iterable, Sequence

from django import template
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext, ngettext

from practitioners.identifiers import format_inami, format_kbo, format_niss
from practitioners.list_extensions import Column
from practitioners.models import Practitioner, Profession

register = template.Library()


@register.filter
def niss(value: str | None) -> str:
    return format_niss(value) if value else ""


@register.filter
def inami(value: str | None) -> str:
    return format_inami(value) if value else ""


@register.filter
def kbo(value: str | None) -> str:
    return format_kbo(value) if value else ""


@register.filter
def age(value: tuple[int, int, int] | None) -> str:
    """(years, months, days) as "38 years, 3 months, 29 days"."""
    if value is None:
        return ""
    years, months, days = value
    return ", ".join(
        (
            ngettext("%(count)d year", "%(count)d years", years) % {"count": years},
            ngettext("%(count)d month", "%(count)d months", months) % {"count": months},
            ngettext("%(count)d day", "%(count)d days", days) % {"count": days},
        )
    )


ROW = '<tr{}><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>'


def _row_format(columns: Sequence[Column]) -> str:
    """ROW with one cell per added column, each with its class, as a ``format_html`` format."""
    cells = "".join(
        '<td class="%s">{}</td>' % escape(column.css_class).replace("{", "{{").replace("}", "}}") for column in columns
    )
    return f"{ROW}{cells}</tr>"


@register.simple_tag
def registry_rows(practitioners: Iterable[Practitioner], columns: Sequence[Column] = ()) -> SafeString:
    """The registry table's body rows, one ``format_html`` per row (as the admin's change list does).

    The rows carry the attributes set by ``attach_current_inami`` and by the added columns' ``attach``
    (``list_extensions``). Built in Python because the same cells through template tags and filters
    cost several times as much a row (docs/benchmarks.md, benchmark 1, third round).
    """
    professions = {value: str(label) for value, label in Profession.choices}
    conventioned = {True: gettext("yes"), False: gettext("no")}
    cells = [column.cells() for column in columns]
    return format_html_join(
        "\n",
        _row_format(columns),
        (
            (
                "" if record.is_active else format_html(' class="{}"', "text-body-secondary"),
                record.get_absolute_url(),
                str(record),
                record.birth_date.strftime("%d/%m/%Y") if record.birth_date else "",
                niss(record.niss),
                professions.get(record.current_profession, ""),
                inami(record.current_inami),
                conventioned[bool(record.conventioned_today)] if record.current_inami else "",
                *(cell(record) for cell in cells),
            )
            for record in practitioners
        ),
    )


SORT_ARROWS = {"ascending": "▲", "descending": "▼"}


@register.simple_tag(takes_context=True)
def sort_header(context, key: str, label: str) -> SafeString:
    """A column header that sorts the list by `key`, then the other way round on a second click.

    The link keeps the search, the filters and the page size (not the page number); the sorted
    column says its direction with an arrow and ``aria-sort``. No ordering sorts by name.
    """
    query = context["request"].GET.copy()
    current = (query.get("ordering") or "name").split(",")[0]
    direction = {key: "ascending", f"-{key}": "descending"}.get(current)
    query.pop("page", None)
    query["ordering"] = f"-{key}" if direction == "ascending" else key
    if direction is None:
        return format_html('<th scope="col"><a href="?{}">{}</a></th>', query.urlencode(), label)
    return format_html(
        '<th scope="col" aria-sort="{}"><a href="?{}">{} <span aria-hidden="true">{}</span></a></th>',
        direction, query.urlencode(), label, SORT_ARROWS[direction],
    )  # fmt: skip
