from collections.abc import Callable, Iterator
from datetime import date

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from practitioners import identifiers
from practitioners.identifiers import (
    Niss,
    clean_inami,
    clean_kbo,
    clean_niss,
    format_inami,
    format_kbo,
    format_niss,
    inami_mod89_assumed_rule,
    inami_mod97_rule,
    niss_agreement_errors,
    normalize,
    normalize_kbo,
    parse_niss,
    validate_inami,
    validate_kbo,
    validate_niss,
)

if not settings.configured:  # running with -p no:django, before oxygen/settings.py exists
    settings.configure(USE_I18N=False)


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


def raises(validator: Callable[[str], object], value: str, code: str) -> str:
    """Assert ``validator(value)`` raises ``code``; return the rendered message."""
    with pytest.raises(ValidationError) as excinfo:
        validator(value)
    assert excinfo.value.code == code
    (message,) = excinfo.value.messages
    return message


# --- normalize ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("85.07.30-033.28", "85073003328"),
        ("85 07 30 033 28", "85073003328"),
        ("85\u00a007\u202f30\t033 28", "85073003328"),
        ("5/38861/71/521", "53886171521"),
        (" 0566.988.259 ", "0566988259"),
        ("85-07-30/033A28", "850730033A28"),  # anything else is left for validators
    ],
)
def test_normalize_strips_formatting(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("BE0566988259", "0566988259"),
        ("be 0566.988.259", "0566988259"),
        ("566.988.259", "0566988259"),  # old 9-digit format
    ],
)
def test_normalize_kbo_strips_country_prefix_and_pads_old_numbers(raw: str, expected: str) -> None:
    assert normalize_kbo(raw) == expected


# --- NISS: valid ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("85073003328", Niss("85073003328", date(1985, 7, 30), "M", False, False)),
        ("03021500440", Niss("03021500440", date(2003, 2, 15), "F", False, True)),
        ("85473003317", Niss("85473003317", date(1985, 7, 30), "M", True, False)),
        ("85473003218", Niss("85473003218", date(1985, 7, 30), "F", True, False)),
        ("85273000106", Niss("85273000106", date(1985, 7, 30), None, True, False)),
        ("75000012394", Niss("75000012394", None, "M", False, False)),
        ("85070003355", Niss("85070003355", None, "M", False, False)),  # day unknown
        ("00022900145", Niss("00022900145", date(2000, 2, 29), "M", False, True)),
    ],
)
def test_parse_niss_decodes(value: str, expected: Niss) -> None:
    assert parse_niss(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "85.07.30-033.28",
        "85 07 30 033 28",
        "85-07-30-033-28",
        "85/07/30/033/28",
        "850730\u00a003328",
    ],
)
def test_niss_accepts_formatted_input(value: str) -> None:
    validate_niss(value)
    assert clean_niss(value) == "85073003328"


def test_format_niss() -> None:
    assert format_niss("85073003328") == "85.07.30-033.28"
    assert format_niss("85.07.30-033.28") == "85.07.30-033.28"
    assert format_niss("legacy 123") == "legacy 123"


# --- NISS: invalid --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "code", "in_message"),
    [
        ("", "required", "enter"),
        (" . - ", "required", "enter"),
        ("8507300332", "invalid_length", "you entered 10 digits"),
        ("850730033281", "invalid_length", "you entered 12 digits"),
        ("8", "invalid_length", "you entered 1 digit."),
        ("85O73OO3328", "invalid_characters", "“O”"),
        ("85073003328x", "invalid_characters", "“x”"),
        ("85,07,30,033,28", "invalid_characters", "“,”"),
        ("85073003329", "invalid_checksum", "check digits"),
        ("85073003340", "invalid_checksum", "check digits"),  # 2000 rule digits +1
        ("85023003390", "invalid_date", "there is no 30/02/1985"),
        ("00022900116", "invalid_date", "there is no 29/02/1900"),  # 1900 not a leap year
        ("85004503314", "invalid_date", "day part of the NISS (45)"),
        ("85133003370", "invalid_date", "month part of the NISS (13)"),
        ("85333003316", "invalid_date", "month part of the NISS (33)"),  # BIS out of range
        ("85613003318", "invalid_date", "month part of the NISS (61)"),
    ],
)
def test_niss_rejects(value: str, code: str, in_message: str) -> None:
    assert in_message in raises(validate_niss, value, code)
    raises(clean_niss, value, code)


def test_niss_length_message_names_the_count() -> None:
    assert raises(validate_niss, "8507300332", "invalid_length") == (
        "A NISS has 11 digits; you entered 10 digits."
    )


def test_niss_checksum_message() -> None:
    assert raises(validate_niss, "85073003329", "invalid_checksum") == (
        "The NISS check digits do not match: please check the number."
    )


# --- NISS: property -------------------------------------------------------------------


def _check_digits(first9: str, born_2000_or_later: bool) -> int:
    offset = 2_000_000_000 if born_2000_or_later else 0
    return 97 - (offset + int(first9)) % 97


@given(
    birth_date=st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)),
    sequence=st.integers(min_value=1, max_value=998),
    bis_offset=st.sampled_from([0, 20, 40]),
)
def test_computed_check_digits_accepted_and_others_rejected(
    birth_date: date, sequence: int, bis_offset: int
) -> None:
    born_2000_or_later = birth_date.year >= 2000
    month = birth_date.month + bis_offset
    first9 = f"{birth_date:%y}{month:02d}{birth_date:%d}{sequence:03d}"
    check = _check_digits(first9, born_2000_or_later)

    niss = parse_niss(f"{first9}{check:02d}")
    assert niss.birth_date == birth_date
    assert niss.born_2000_or_later is born_2000_or_later
    assert niss.is_bis is (bis_offset != 0)

    other_century_check = _check_digits(first9, not born_2000_or_later)
    for wrong in set(range(100)) - {check, other_century_check}:
        with pytest.raises(ValidationError) as excinfo:
            parse_niss(f"{first9}{wrong:02d}")
        assert excinfo.value.code == "invalid_checksum"


# --- NISS: agreement with the record --------------------------------------------------


@pytest.mark.parametrize(
    ("niss", "birth_date", "sex", "expected"),
    [
        ("85073003328", date(1985, 7, 30), "M", {}),
        (
            "85073003328",
            date(1985, 7, 31),
            "M",
            {
                "birth_date": "The NISS encodes the birth date 30/07/1985, "
                "but the record says 31/07/1985."
            },
        ),
        (
            "85073003328",
            date(1985, 7, 30),
            "F",
            {"sex": "The NISS encodes the sex male, but the record says female."},
        ),
        (
            "03021500440",
            date(1903, 2, 15),
            "M",
            {
                "birth_date": "The NISS encodes the birth date 15/02/2003, "
                "but the record says 15/02/1903.",
                "sex": "The NISS encodes the sex female, but the record says male.",
            },
        ),
        ("85.07.30-033.28", None, None, {}),  # nothing known on the record
        ("85073003328", date(1985, 7, 30), "X", {}),  # other sex codes are not compared
        # BIS, sex known: date and sex are compared.
        ("85473003317", date(1985, 7, 30), "M", {}),
        ("85473003317", date(1985, 7, 1), "F", {"birth_date": ..., "sex": ...}),
        # BIS, sex unknown: only the date.
        ("85273000106", date(1985, 7, 30), "F", {}),
        ("85273000106", date(1985, 8, 30), "F", {"birth_date": ...}),
        # Date unknown: only the sex.
        ("75000012394", date(1975, 3, 1), "M", {}),
        ("75000012394", date(1975, 3, 1), "F", {"sex": ...}),
        # An invalid NISS is reported by validate_niss, not here.
        ("85073003329", date(1990, 1, 1), "F", {}),
    ],
)
def test_niss_agreement_errors(
    niss: str, birth_date: date | None, sex: str | None, expected: dict[str, object]
) -> None:
    errors = niss_agreement_errors(niss, birth_date, sex)
    assert errors.keys() == expected.keys()
    for field, message in expected.items():
        if message is not ...:
            assert errors[field] == message


# --- INAMI ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["53886171521", "5/38861/71/521", "5-38861-71-521", "5 38861 71 521", "5.38861.71.521"]
)
def test_inami_mod97_valid(value: str) -> None:
    validate_inami(value)
    assert clean_inami(value) == "53886171521"


@pytest.mark.parametrize(
    ("value", "code", "in_message"),
    [
        ("", "required", "enter"),
        ("5388617152", "invalid_length", "you entered 10 digits"),
        ("5/38861/71/52l", "invalid_characters", "“l”"),
        ("53886170521", "invalid_checksum", "INAMI number check digits"),
        ("53886172521", "invalid_checksum", "INAMI number check digits"),
    ],
)
def test_inami_rejects(value: str, code: str, in_message: str) -> None:
    assert in_message in raises(validate_inami, value, code)


def test_inami_rules() -> None:
    assert inami_mod97_rule("53886171521")
    assert not inami_mod97_rule("53886134521")
    assert inami_mod89_assumed_rule("53886134521")  # 89 - 538861 mod 89 = 34
    assert not inami_mod89_assumed_rule("53886171521")


def test_inami_accepts_number_failing_mod97_when_another_rule_accepts_it() -> None:
    validate_inami("5/38861/34/521")


def test_inami_check_rules_are_pluggable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(identifiers, "INAMI_CHECK_RULES", (inami_mod97_rule,))
    raises(validate_inami, "53886134521", "invalid_checksum")

    def check_digits_00(digits: str) -> bool:
        return digits[6:8] == "00"

    monkeypatch.setattr(identifiers, "INAMI_CHECK_RULES", (inami_mod97_rule, check_digits_00))
    validate_inami("53886100521")
    validate_inami("53886171521")


def test_format_inami() -> None:
    assert format_inami("53886171521") == "5/38861/71/521"
    assert format_inami("123") == "123"


# --- KBO / BCE ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "0566988259",
        "0566.988.259",
        "BE0566988259",
        "BE 0566 988 259",
        "be0566.988.259",
        "BE 0566-988-259",
        "0566\u00a0988\u00a0259",
        "566988259",  # old 9-digit format: leading 0 added
        "566.988.259",
    ],
)
def test_kbo_valid(value: str) -> None:
    validate_kbo(value)
    assert clean_kbo(value) == "0566988259"


def test_kbo_starting_with_1_is_valid() -> None:
    assert clean_kbo("1566.988.280") == "1566988280"


@pytest.mark.parametrize(
    ("value", "code", "in_message"),
    [
        ("", "required", "enter"),
        ("BE", "required", "enter"),
        ("05669882", "invalid_length", "you entered 8 digits"),
        ("05669882590", "invalid_length", "you entered 11 digits"),
        ("FR0566988259", "invalid_characters", "“F”, “R”"),
        ("0566988258", "invalid_checksum", "enterprise number check digits"),
        ("2566988204", "invalid_first_digit", "must start with 0 or 1"),  # mod 97 would match
    ],
)
def test_kbo_rejects(value: str, code: str, in_message: str) -> None:
    assert in_message in raises(validate_kbo, value, code)


def test_format_kbo() -> None:
    assert format_kbo("0566988259") == "0566.988.259"
    assert format_kbo("BE 566 988 259") == "0566.988.259"
    assert format_kbo("n/a") == "n/a"
