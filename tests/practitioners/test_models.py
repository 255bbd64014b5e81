import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from practitioners.models import (
    InamiPeriod,
    Practitioner,
    Profession,
    calendar_difference,
    inami_first_digit,
    profession_for_inami,
)
from tests.factories import add_period, make_practitioner

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("number", "profession"),
    [("12345625004", Profession.DOCTOR), ("53886171521", Profession.PHYSIOTHERAPIST),
     ("43886171521", Profession.NURSE), ("20000113001", None), ("", None)],
)
def test_an_inami_numbers_first_digit_decides_the_profession_when_it_names_one(number, profession):
    assert profession_for_inami(number) == profession


def test_each_profession_in_a_group_has_the_first_digit_of_its_inami_numbers():
    professions = (Profession.DOCTOR, Profession.DENTIST, Profession.NURSE, Profession.MIDWIFE,
                   Profession.PHYSIOTHERAPIST, Profession.SPEECH_THERAPIST, Profession.PODIATRIST, Profession.PHARMACIST)
    assert [inami_first_digit(profession) for profession in professions] == ["1", "3", "4", "4", "5", "5", "5", "6"]
    with pytest.raises(KeyError):
        inami_first_digit(Profession.DIETITIAN)


def test_niss_must_agree_with_birth_date_and_sex():
    record = Practitioner(last_name="Peeters", first_names="Jan", niss="85073003328",
                          birth_date=datetime.date(1985, 7, 31), sex="F")
    with pytest.raises(ValidationError) as error:
        record.full_clean()
    assert "30/07/1985" in " ".join(error.value.message_dict["birth_date"])
    assert "sex" in error.value.message_dict


def test_bis_number_with_unknown_sex_is_accepted_for_any_sex():
    make_practitioner(niss="85273000106", birth_date=datetime.date(1985, 7, 30), sex="F")
    assert Practitioner.objects.filter(niss="85273000106").exists()


def test_niss_is_unique_when_present_but_many_records_may_have_none():
    make_practitioner()
    with pytest.raises(ValidationError) as error:
        make_practitioner(first_names="Piet")
    assert "niss" in error.value.message_dict or "__all__" in error.value.message_dict
    make_practitioner(niss="", first_names="A")
    make_practitioner(niss="", first_names="B")
    assert Practitioner.objects.filter(niss="").count() == 2


def test_database_refuses_a_duplicate_niss_even_without_validation():
    make_practitioner()
    with pytest.raises(IntegrityError), transaction.atomic():
        Practitioner.objects.create(last_name="X", first_names="Y", niss="85073003328")


def test_database_refuses_a_malformed_niss():
    with pytest.raises(IntegrityError), transaction.atomic():
        Practitioner.objects.create(last_name="X", first_names="Y", niss="8507300332X")


def test_period_end_before_start_is_refused_by_model_and_database():
    record = make_practitioner()
    period = InamiPeriod(practitioner=record, profession="physiotherapist", inami_number="53886171521",
                         start_date=datetime.date(2020, 1, 1), end_date=datetime.date(2019, 1, 1))
    with pytest.raises(ValidationError) as error:
        period.full_clean()
    assert "end_date" in error.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        period.save()


def test_overlapping_period_of_same_profession_is_refused_by_the_model():
    record = make_practitioner()
    add_period(record, start_date=datetime.date(2015, 1, 1), end_date=datetime.date(2020, 12, 31))
    overlapping = InamiPeriod(practitioner=record, profession="physiotherapist", inami_number="53886171521",
                              start_date=datetime.date(2020, 12, 31))
    with pytest.raises(ValidationError) as error:
        overlapping.full_clean()
    assert "overlaps" in str(error.value)
    other_profession = InamiPeriod(practitioner=record, profession="podiatrist", inami_number="53886171521",
                                   start_date=datetime.date(2018, 1, 1))
    other_profession.full_clean()
    adjacent = InamiPeriod(practitioner=record, profession="physiotherapist", inami_number="53886171521",
                           start_date=datetime.date(2021, 1, 1))
    adjacent.full_clean()


def test_open_ended_period_overlaps_any_later_one():
    record = make_practitioner()
    add_period(record, start_date=datetime.date(2015, 1, 1), end_date=None)
    later = InamiPeriod(practitioner=record, profession="physiotherapist", inami_number="53886171521",
                        start_date=datetime.date(2030, 1, 1), end_date=datetime.date(2031, 1, 1))
    with pytest.raises(ValidationError):
        later.full_clean()


def test_database_exclusion_constraint_refuses_overlap(postgres):
    record = make_practitioner()
    add_period(record, start_date=datetime.date(2015, 1, 1), end_date=datetime.date(2020, 12, 31))
    with pytest.raises(IntegrityError), transaction.atomic():
        add_period(record, start_date=datetime.date(2020, 6, 1), end_date=None)
        with postgres.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    # Another profession, or an adjacent period, is fine.
    with transaction.atomic():
        add_period(record, profession="podiatrist", start_date=datetime.date(2016, 1, 1))
        add_period(record, start_date=datetime.date(2021, 1, 1))
        with postgres.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_current_period_and_age():
    record = make_practitioner()
    add_period(record, start_date=datetime.date(2010, 1, 1), end_date=datetime.date(2014, 12, 31), inami_number="53886171521")
    current = add_period(record, start_date=datetime.date(2015, 1, 1), conventioned=False)
    assert record.current_inami_period(datetime.date(2024, 5, 1)) == current
    assert record.current_inami_period(datetime.date(2009, 5, 1)) is None
    assert record.age_on(datetime.date(2024, 5, 1)) == (38, 9, 1)


def test_current_period_of_one_profession():
    record = make_practitioner()
    physiotherapy = add_period(record, start_date=datetime.date(2015, 1, 1))
    podiatry = add_period(record, profession="podiatrist", start_date=datetime.date(2020, 1, 1), inami_number="53886171521")
    day = datetime.date(2024, 5, 1)
    assert record.current_inami_period(day) == podiatry  # the most recently started
    assert record.current_inami_period(day, "physiotherapist") == physiotherapy
    assert record.current_inami_period(day, "doctor") is None


@pytest.mark.parametrize(
    "start, end, expected",
    [
        (datetime.date(1985, 7, 30), datetime.date(1985, 7, 30), (0, 0, 0)),
        (datetime.date(1985, 7, 30), datetime.date(2024, 7, 29), (38, 11, 29)),
        (datetime.date(2000, 1, 31), datetime.date(2000, 3, 1), (0, 1, 1)),
        (datetime.date(2000, 2, 29), datetime.date(2001, 2, 28), (0, 11, 30)),
    ],
)
def test_calendar_difference(start, end, expected):
    assert calendar_difference(start, end) == expected
