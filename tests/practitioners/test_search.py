"""The registry search finds what the front desk types: accents and case aside, numbers in part."""
import datetime

import pytest
from django.db import connection
from django.urls import reverse

from practitioners.filters import PractitionerFilter
from practitioners.models import InamiPeriod, Practitioner
from practitioners.search import normalise, terms
from tests.factories import add_period, make_practitioner

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry():
    muller = make_practitioner(last_name="MÜLLER", first_names="Anna", niss="85073003328", enterprise_number="0566988259")
    add_period(muller, inami_number="53886171521")
    elodie = make_practitioner(last_name="Dubois", first_names="Élodie", niss="03021500440",
                               birth_date=datetime.date(2003, 2, 15), sex="F")  # fmt: skip
    add_period(elodie, inami_number="12345678901")
    return {"muller": muller, "elodie": elodie}


def found(client, front_desk, typed):
    client.force_login(front_desk)
    response = client.get(reverse("practitioners:list"), {"q": typed})
    assert response.status_code == 200
    return sorted(record.last_name for record in response.context["practitioners"])


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("muller", ["MÜLLER"]),
        ("Müller", ["MÜLLER"]),
        ("MULLER anna", ["MÜLLER"]),
        ("elodie", ["Dubois"]),
        ("ÉLODIE dub", ["Dubois"]),
        ("elodie muller", []),
        ("38861", ["MÜLLER"]),  # part of 5/38861/71/521
        ("5/38861", ["MÜLLER"]),
        ("5/38861/71/521", ["MÜLLER"]),
        ("0566.988.259", ["MÜLLER"]),  # KBO, formatted
        ("566988", ["MÜLLER"]),  # KBO, part of its digits
        ("0566 988 259", ["MÜLLER"]),
        ("85.07.30-033.28", ["MÜLLER"]),  # NISS, formatted
        ("03021500440", ["Dubois"]),
        ("030215", ["Dubois"]),
        ("anna 38861", ["MÜLLER"]),
        ("anna 45678", []),
        ("999999", []),
    ],
)
def test_search_finds_what_the_front_desk_types(client, front_desk, registry, typed, expected):
    assert found(client, front_desk, typed) == expected


def test_the_search_text_follows_the_record(client, front_desk, registry):
    muller = registry["muller"]
    muller.last_name = "Öztürk"
    muller.save(update_fields=["last_name"])
    assert found(client, front_desk, "ozturk") == ["Öztürk"]
    assert found(client, front_desk, "muller") == []
    assert Practitioner.objects.get(pk=muller.pk).search_text == "ozturk anna 85073003328 0566988259"


def test_normalise_and_terms():
    assert normalise("MÜLLER Élodie Straße Çağla") == "muller elodie strasse cagla"
    assert terms("  Müller  5/38861 ") == [("muller", False), ("538861", True)]
    assert terms("0566 988 259") == [("0566988259", True)]


def test_postgresql_answers_the_search_from_the_trigram_indexes(postgres):
    """EXPLAIN of the list's search on 3,000 records: the planner reads the trigram indexes, no table."""
    records = Practitioner.objects.bulk_create(
        Practitioner(last_name=f"Name{index:05d}", first_names="X", search_text=f"name{index:05d} x") for index in range(3000)
    )
    InamiPeriod.objects.bulk_create(
        InamiPeriod(practitioner=record, profession="nurse", start_date=datetime.date(2015, 1, 1), inami_number=f"4{index:010d}")
        for index, record in enumerate(records)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE practitioners_practitioner")
        cursor.execute("ANALYZE practitioners_inamiperiod")
        for index in ("practitioner_search_trgm_idx", "inami_period_number_trgm_idx"):  # as (auto)vacuum does
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])
    for typed, indexes in (("muller", ["practitioner_search_trgm_idx"]),
                           ("5/38861", ["practitioner_search_trgm_idx", "inami_period_number_trgm_idx"])):  # fmt: skip
        plan = PractitionerFilter({"q": typed}, queryset=Practitioner.objects.all()).qs.explain()
        assert all(index in plan for index in indexes), plan
        assert "Seq Scan" not in plan, plan
