"""What the registry search compares: names without accents or case, and identifiers as digits.

A record keeps its searchable text in ``Practitioner.search_text`` (filled by ``save()``), so one
``LIKE '%…%'`` serves every database; PostgreSQL answers it from a trigram index (migration 0004).
"""
from __future__ import annotations

import unicodedata

from .identifiers import normalize as without_separators


def normalise(text: str) -> str:
    """Lower case without accents: "MÜLLER" -> "muller", "Élodie" -> "elodie", "Straße" -> "strasse"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def search_text(*values: str) -> str:
    """The searchable text of a record's names and identifiers, one space between them."""
    return " ".join(normalise(value) for value in values if value)


def as_number(term: str) -> str | None:
    """The digits of a term typed as a number ("5/38861", "0566.988.259", "85.07.30-033.28"), else None."""
    digits = without_separators(term)
    return digits if digits.isdigit() else None


def terms(value: str) -> list[tuple[str, bool]]:
    """The typed search as (term, is_number) pairs: a whole number typed with spaces is one term."""
    number = as_number(value)
    if number:
        return [(number, True)]
    result = []
    for word in value.split():
        number = as_number(word)
        result.append((number, True) if number else (normalise(word), False))
    return result
