"""Belgian identifiers with check digits: NISS/INSZ, INAMI/RIZIV and KBO/BCE numbers.

Pure functions plus Django validators. Every validator accepts raw digits as well as
formatted input (dots, dashes, slashes, spaces); the ``clean_*`` helpers validate and
return the digits only, which is what models store.

Error codes (``ValidationError.code``) are stable: ``required``, ``invalid_characters``,
``invalid_length``, ``invalid_date`` (NISS), ``invalid_checksum``, ``invalid_first_digit``
(KBO).
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Final, Literal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

Sex = Literal["M", "F"]

_SEPARATORS = re.compile(r"[\s./\-]")  # \s includes non-breaking and other Unicode spaces
_KBO_COUNTRY_PREFIX = "BE"

NISS_LENGTH: Final = 11
INAMI_LENGTH: Final = 11
KBO_LENGTH: Final = 10

SEX_LABELS: Final[Mapping[str, str]] = MappingProxyType({"M": _("male"), "F": _("female")})


# --- Shared helpers -------------------------------------------------------------------


def normalize(value: str) -> str:
    """Remove the usual formatting: dots, dashes, slashes and (non-breaking) spaces."""
    return _SEPARATORS.sub("", value)


def _is_digits(value: str) -> bool:
    """Only ASCII digits: ``str.isdigit`` alone would accept "²" or Arabic-Indic digits."""
    return value.isascii() and value.isdigit()


def _check_digits_only(digits: str) -> None:
    """Raise if the normalized value is empty or contains anything but ASCII digits."""
    if not digits:
        raise ValidationError(_("Please enter a number."), code="required")
    invalid = [char for char in dict.fromkeys(digits) if not _is_digits(char)]
    if invalid:
        raise ValidationError(
            _(
                "Only digits are allowed (dots, dashes, slashes and spaces are ignored). "
                "Please remove: %(characters)s"
            ),
            code="invalid_characters",
            params={"characters": ", ".join(f"“{char}”" for char in invalid)},
        )


def _check_length(digits: str, expected: int, message: str) -> None:
    if len(digits) != expected:
        raise ValidationError(message, code="invalid_length", params={"count": len(digits)})


def _mod97_check(number: int) -> int:
    """The Belgian modulo-97 check digits of ``number`` (a value between 1 and 97)."""
    return 97 - number % 97


def _format_date(value: date) -> str:
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"


# --- NISS / INSZ / SSIN ---------------------------------------------------------------

_NISS_LENGTH_MESSAGE = ngettext_lazy(
    "A NISS has 11 digits; you entered %(count)d digit.",
    "A NISS has 11 digits; you entered %(count)d digits.",
    "count",
)
_BIS_SEX_UNKNOWN_OFFSET = 20
_BIS_SEX_KNOWN_OFFSET = 40
_NISS_2000_OFFSET = 2_000_000_000


@dataclass(frozen=True)
class Niss:
    digits: str
    birth_date: date | None  # None when the month and/or day is 00 (date unknown)
    sex: Sex | None  # None for a BIS number with sex unknown (month + 20)
    is_bis: bool
    born_2000_or_later: bool


def _niss_month(month_code: int) -> tuple[int, bool, bool]:
    """Split the encoded month into (month, is_bis, sex_known); month 0 means unknown."""
    for offset, is_bis, sex_known in (
        (0, False, True),
        (_BIS_SEX_UNKNOWN_OFFSET, True, False),
        (_BIS_SEX_KNOWN_OFFSET, True, True),
    ):
        if offset <= month_code <= offset + 12:
            return month_code - offset, is_bis, sex_known
    raise ValidationError(
        _("The month part of the NISS (%(month)02d) is not possible: please check the number."),
        code="invalid_date",
        params={"month": month_code},
    )


def _niss_born_2000_or_later(digits: str) -> bool:
    """Which check-digit rule matches tells the century; raise if neither does."""
    first9, check = int(digits[:9]), int(digits[9:])
    if check == _mod97_check(first9):
        return False
    if check == _mod97_check(_NISS_2000_OFFSET + first9):
        return True
    raise ValidationError(
        _("The NISS check digits do not match: please check the number."),
        code="invalid_checksum",
    )


def _niss_birth_date(year: int, month: int, day: int) -> date | None:
    if day > 31:
        raise ValidationError(
            _("The day part of the NISS (%(day)02d) is not possible: please check the number."),
            code="invalid_date",
            params={"day": day},
        )
    if month == 0 or day == 0:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        raise ValidationError(
            _(
                "The birth date in the NISS does not exist (there is no "
                "%(day)02d/%(month)02d/%(year)d): please check the number."
            ),
            code="invalid_date",
            params={"day": day, "month": month, "year": year},
        ) from None


def parse_niss(value: str) -> Niss:
    """Validate a NISS (raw or formatted) and decode it; raise ``ValidationError``."""
    digits = normalize(value)
    _check_digits_only(digits)
    _check_length(digits, NISS_LENGTH, _NISS_LENGTH_MESSAGE)
    month, is_bis, sex_known = _niss_month(int(digits[2:4]))
    born_2000_or_later = _niss_born_2000_or_later(digits)
    year = (2000 if born_2000_or_later else 1900) + int(digits[:2])
    sequence = int(digits[6:9])
    return Niss(
        digits=digits,
        birth_date=_niss_birth_date(year, month, int(digits[4:6])),
        sex=("M" if sequence % 2 else "F") if sex_known else None,
        is_bis=is_bis,
        born_2000_or_later=born_2000_or_later,
    )


def validate_niss(value: str) -> None:
    """Django validator for a NISS (digits or formatted)."""
    parse_niss(value)


def clean_niss(value: str) -> str:
    """Validate a NISS and return its 11 digits."""
    return parse_niss(value).digits


def format_niss(digits: str) -> str:
    """``85073003328`` -> ``85.07.30-033.28``; anything else is returned unchanged."""
    d = normalize(digits)
    if len(d) != NISS_LENGTH or not _is_digits(d):
        return digits
    return f"{d[:2]}.{d[2:4]}.{d[4:6]}-{d[6:9]}.{d[9:]}"


def niss_agreement_errors(
    niss_digits: str, birth_date: date | None, sex: str | None
) -> dict[str, str]:
    """Compare what a NISS encodes with a record's birth date and sex ("M"/"F").

    Only what the NISS actually encodes is compared (a BIS number with sex unknown encodes
    no sex; a NISS with month/day 00 no birth date), and only what the record knows.
    Returns translated messages keyed by the record field that disagrees. An invalid NISS
    yields no errors here: ``validate_niss`` reports it on the NISS field.
    """
    try:
        niss = parse_niss(niss_digits)
    except ValidationError:
        return {}
    errors: dict[str, str] = {}
    if niss.birth_date is not None and birth_date is not None and niss.birth_date != birth_date:
        errors["birth_date"] = gettext(
            "The NISS encodes the birth date %(niss_date)s, but the record says %(record_date)s."
        ) % {"niss_date": _format_date(niss.birth_date), "record_date": _format_date(birth_date)}
    if niss.sex is not None and sex in SEX_LABELS and niss.sex != sex:
        errors["sex"] = gettext(
            "The NISS encodes the sex %(niss_sex)s, but the record says %(record_sex)s."
        ) % {"niss_sex": SEX_LABELS[niss.sex], "record_sex": SEX_LABELS[sex]}
    return errors


# --- INAMI / RIZIV / NIHII ------------------------------------------------------------

InamiCheckRule = Callable[[str], bool]

_INAMI_LENGTH_MESSAGE = ngettext_lazy(
    "An INAMI number has 11 digits; you entered %(count)d digit.",
    "An INAMI number has 11 digits; you entered %(count)d digits.",
    "count",
)


def inami_mod97_rule(digits: str) -> bool:
    """Historic rule: ``CC = 97 - (first6 mod 97)``."""
    return int(digits[6:8]) == _mod97_check(int(digits[:6]))


def inami_mod89_assumed_rule(digits: str) -> bool:
    """ASSUMED rule for numbers issued since 2013 (nurses, midwives) / 2019 (doctors).

    INAMI announced a modulo-89 check but its exact formula is UNCONFIRMED; we assume
    ``CC = 89 - (first6 mod 89)``. Replace this rule once the official formula is known.
    """
    return int(digits[6:8]) == 89 - int(digits[:6]) % 89


# A number is valid when ANY rule accepts it.
INAMI_CHECK_RULES: tuple[InamiCheckRule, ...] = (inami_mod97_rule, inami_mod89_assumed_rule)


def clean_inami(value: str) -> str:
    """Validate an INAMI number (digits or ``P/NNNNN/CC/QQQ``) and return its 11 digits."""
    digits = normalize(value)
    _check_digits_only(digits)
    _check_length(digits, INAMI_LENGTH, _INAMI_LENGTH_MESSAGE)
    if not any(rule(digits) for rule in INAMI_CHECK_RULES):
        raise ValidationError(
            _("The INAMI number check digits do not match: please check the number."),
            code="invalid_checksum",
        )
    return digits


def validate_inami(value: str) -> None:
    """Django validator for an INAMI number (digits or formatted)."""
    clean_inami(value)


def format_inami(digits: str) -> str:
    """``53886171521`` -> ``5/38861/71/521``; anything else is returned unchanged."""
    d = normalize(digits)
    if len(d) != INAMI_LENGTH or not _is_digits(d):
        return digits
    return f"{d[0]}/{d[1:6]}/{d[6:8]}/{d[8:]}"


# --- KBO / BCE enterprise number ------------------------------------------------------

_KBO_LENGTH_MESSAGE = ngettext_lazy(
    "An enterprise number has 10 digits; you entered %(count)d digit.",
    "An enterprise number has 10 digits; you entered %(count)d digits.",
    "count",
)


def normalize_kbo(value: str) -> str:
    """Remove formatting and a leading ``BE``; an old 9-digit number gets its leading 0.

    The 9-digit numbers (old VAT format) are the enterprise number without its leading 0;
    prefixing 0 leaves the modulo-97 check unchanged, so they are accepted.
    """
    digits = normalize(value)
    if digits[:2].upper() == _KBO_COUNTRY_PREFIX:
        digits = digits[2:]
    return "0" + digits if len(digits) == KBO_LENGTH - 1 else digits


def clean_kbo(value: str) -> str:
    """Validate an enterprise number (``0566.988.259``, ``BE 0566 988 259``...).

    Returns its 10 digits.
    """
    digits = normalize_kbo(value)
    _check_digits_only(digits)
    _check_length(digits, KBO_LENGTH, _KBO_LENGTH_MESSAGE)
    if digits[0] not in "01":
        raise ValidationError(
            _("The enterprise number must start with 0 or 1."), code="invalid_first_digit"
        )
    if int(digits[8:]) != _mod97_check(int(digits[:8])):
        raise ValidationError(
            _("The enterprise number check digits do not match: please check the number."),
            code="invalid_checksum",
        )
    return digits


def validate_kbo(value: str) -> None:
    """Django validator for an enterprise number (digits or formatted)."""
    clean_kbo(value)


def format_kbo(digits: str) -> str:
    """``0566988259`` -> ``0566.988.259``; anything else is returned unchanged."""
    d = normalize_kbo(digits)
    if len(d) != KBO_LENGTH or not _is_digits(d):
        return digits
    return f"{d[:4]}.{d[4:7]}.{d[7:]}"
