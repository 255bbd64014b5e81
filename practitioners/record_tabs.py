"""The record's tabs ("Administratif", "Info prestataire", "Historique") and their place in the URL.

The shown tab is the ``?tab=`` query parameter: the server renders that tab open (no script
needed), redirects name the tab they land on, and static/js/record_tabs.js keeps the parameter in
the address bar as the user switches tabs (so reload and the back button keep the tab).
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.utils.translation import gettext_lazy as _

PARAMETER = "tab"
ADMINISTRATIVE = "administrative"
PROVIDER = "provider"
HISTORY = "history"
CERTIFICATE = PROVIDER  # the eHealth certificate button and its life cycle sit on "Info prestataire"

LABELS = {ADMINISTRATIVE: _("Administrative"), PROVIDER: _("Provider info"), HISTORY: _("History")}
RECORD_TABS = (ADMINISTRATIVE, PROVIDER, HISTORY)
FORM_TABS = (ADMINISTRATIVE, PROVIDER)


@dataclass(frozen=True)
class Tab:
    name: str
    label: str
    active: bool = False
    has_errors: bool = False


def requested(parameters, names: tuple[str, ...]) -> str:
    """The tab named in ``parameters`` (request.GET or request.POST) if it is one of ``names``, else the first."""
    name = parameters.get(PARAMETER, "")
    return name if name in names else names[0]


def tabs(names: tuple[str, ...], active: str, with_errors: frozenset[str] = frozenset()) -> list[Tab]:
    return [Tab(name, LABELS[name], name == active, name in with_errors) for name in names]


def url(path: str, tab: str, anchor: str = "") -> str:
    """``path`` opened on ``tab`` (and scrolled to the element ``anchor``)."""
    return f"{path}?{urlencode({PARAMETER: tab})}" + (f"#{anchor}" if anchor else "")
