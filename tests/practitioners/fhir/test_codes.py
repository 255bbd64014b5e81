"""practitioners/fhir/codes.py: every profession and language of the registry has its code."""
from practitioners.fhir import codes
from practitioners.models import Language, Profession


def test_every_profession_has_a_cd_hcparty_person_code():
    assert set(codes.HCPARTY_CODES) == set(Profession)
    assert all(code.startswith("pers") and display for code, display in codes.HCPARTY_CODES.values())
    assert len({code for code, _display in codes.HCPARTY_CODES.values()}) == len(Profession)


def test_every_language_has_a_bcp47_tag():
    assert set(codes.LANGUAGE_TAGS) == set(Language)
