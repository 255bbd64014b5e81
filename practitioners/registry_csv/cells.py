"""The cells of one row, parsed into record fields and the values of an INAMI period."""
from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from ..identifiers import clean_inami, clean_kbo, clean_niss
from ..models import InamiPeriod, Language, Practitioner, Profession, Sex
from .columns import FALSE_WORDS, FORMULA_PREFIXES, TEXT_COLUMNS, TRUE_WORDS

def parse_date(value: str) -> datetime.date | None:
    """dd/mm/yyyy (as Belgian spreadsheets write it) or ISO yyyy-mm-dd; empty gives None."""
    if not value:
        return None
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise ValidationError(_("“%(value)s” is not a date: write it dd/mm/yyyy or yyyy-mm-dd.") % {"value": value})


def _choice_key(text: str) -> str:
    return re.sub(r"[\s_-]+", "_", text.strip().lower())


@functools.cache
def _accepted_choices(choices: type) -> dict[str, str]:
    """Each choice's value and its label in every interface language -> the value: an export
    written in Dutch imports in French."""
    accepted = {}
    for language in [None, *(code for code, _name in settings.LANGUAGES)]:
        with translation.override(language):
            accepted.update({_choice_key(str(choice.label)): choice.value for choice in choices})
    accepted.update({_choice_key(choice.value): choice.value for choice in choices})
    return accepted


def _parse_choice(value: str, choices: type, what: str) -> str:
    accepted = _accepted_choices(choices).get(_choice_key(value))
    if accepted is not None:
        return accepted
    raise ValidationError(
        _("Unknown %(what)s “%(value)s”: use one of %(accepted)s.")
        % {"what": what, "value": value, "accepted": ", ".join(choices.values)}
    )


def _parse_profession(value: str) -> str:
    return _parse_choice(value, Profession, _("profession"))


def _parse_yes_no(value: str) -> bool:
    lowered = value.lower()
    if lowered in TRUE_WORDS:
        return True
    if lowered in FALSE_WORDS:
        return False
    raise ValidationError(_("“%(value)s” is not yes or no (yes/no, oui/non, ja/nee, 1/0).") % {"value": value})


def _cell_value(cell: str) -> str:
    value = cell.strip()
    if value.startswith("'") and value[1:2] in FORMULA_PREFIXES:
        return value[1:]  # the quote our export adds before a formula-like cell
    return value


FIELD_PARSERS = {
    "niss": lambda value: clean_niss(value) if value else "",
    "enterprise_number": lambda value: clean_kbo(value) if value else "",
    "birth_date": parse_date,
    "language": lambda value: _parse_choice(value, Language, _("language")) if value else "",
    "sex": lambda value: _parse_choice(value, Sex, _("sex")) if value else "",
    **{name: (lambda value: value) for name in TEXT_COLUMNS},
}
PERIOD_PARSERS = {
    "inami": lambda value: clean_inami(value) if value else "",
    "profession": lambda value: _parse_profession(value) if value else "",
    "inami_start": parse_date,
    "conventioned": _parse_yes_no,
}


@dataclass
class Row:
    line: int
    values: dict = field(default_factory=dict)  # record field -> parsed value
    period: dict = field(default_factory=dict)  # period column -> parsed value
    errors: dict = field(default_factory=dict)  # column -> messages
    practitioner: Practitioner | None = None
    new_period: InamiPeriod | None = None
    changed: bool = False

    def add_errors(self, column: str | None, messages: Iterable[str]) -> None:
        self.errors.setdefault(column, []).extend(messages)


def parse_row(line: int, columns: list[str], cells: list[str]) -> Row:
    row = Row(line=line)
    extra = [cell for cell in cells[len(columns):] if cell.strip()]
    if extra:
        row.add_errors(None, [_("This line has more cells than the header line has columns.")])
    for column, cell in zip(columns, cells + [""] * (len(columns) - len(cells))):
        if not column:
            if cell.strip():
                row.add_errors(None, [_("A cell has a value under a column without a name.")])
            continue
        value = _cell_value(cell)
        target, parser = (row.period, PERIOD_PARSERS[column]) if column in PERIOD_PARSERS else (
            row.values, FIELD_PARSERS[column])
        try:
            target[column] = parser(value)
        except ValidationError as error:
            row.add_errors(column, error.messages)
    return row
