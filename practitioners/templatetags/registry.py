"""Display filters for the registry's identifiers and ages."""
from django import template
from django.utils.translation import ngettext

from practitioners.identifiers import format_inami, format_kbo, format_niss
from practitioners.models import Profession

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
def profession_label(value: str | None) -> str:
    return str(Profession(value).label) if value in Profession.values else ""


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
