import datetime

import pytest
from django.test.utils import CaptureQueriesContext
from django.db import connection
from django.urls import reverse

from practitioners.models import InamiPeriod, Practitioner
from tests.factories import add_period, make_practitioner, record_post_data

pytestmark = pytest.mark.django_db


def test_front_desk_creates_a_record_with_two_periods(client, front_desk):
    client.force_login(front_desk)
    response = client.post(reverse("practitioners:create"), record_post_data())
    record = Practitioner.objects.get(niss="03021500440")
    assert response.status_code == 302 and response.url == record.get_absolute_url() + "?tab=administrative"
    assert record.enterprise_number == "0566988259"
    assert sorted(p.start_date.year for p in record.inami_periods.all()) == [2020, 2023]
    assert {p.inami_number for p in record.inami_periods.all()} == {"53886171521"}
    page = client.get(record.get_absolute_url()).content.decode()
    assert "5/38861/71/521" in page and "03.02.15-004.40" in page


def test_wrong_niss_is_reported_next_to_the_field_and_nothing_is_saved(client, front_desk):
    client.force_login(front_desk)
    response = client.post(reverse("practitioners:create"), record_post_data(niss="03021500441"))
    assert response.status_code == 200
    assert "check digits do not match" in response.content.decode()
    assert not Practitioner.objects.exists() and not InamiPeriod.objects.exists()


def test_niss_disagreeing_with_birth_date_is_reported(client, front_desk):
    client.force_login(front_desk)
    response = client.post(reverse("practitioners:create"), record_post_data(birth_date="16/02/2003"))
    assert "15/02/2003" in response.content.decode()
    assert not Practitioner.objects.exists()


def test_overlapping_periods_in_the_form_are_refused(client, front_desk):
    client.force_login(front_desk)
    response = client.post(reverse("practitioners:create"), record_post_data(**{"periods-1-start_date": "01/06/2022"}))
    assert response.status_code == 200
    assert "overlaps" in response.content.decode()
    assert not Practitioner.objects.exists()


def test_editing_periods_together_checks_new_values_not_stored_ones(client, front_desk):
    record = make_practitioner()
    first = add_period(record, start_date=datetime.date(2015, 1, 1), end_date=datetime.date(2019, 12, 31))
    second = add_period(record, start_date=datetime.date(2020, 1, 1), end_date=None)
    client.force_login(front_desk)
    data = record_post_data(
        niss="85073003328", birth_date="30/07/1985", sex="M", enterprise_number="",
        **{
            "periods-TOTAL_FORMS": "2", "periods-INITIAL_FORMS": "2",
            "periods-0-id": str(first.pk), "periods-0-start_date": "01/01/2015", "periods-0-end_date": "30/06/2020",
            "periods-1-id": str(second.pk), "periods-1-start_date": "01/07/2020", "periods-1-end_date": "",
        },
    )
    response = client.post(reverse("practitioners:edit", args=[record.public_id]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.end_date == datetime.date(2020, 6, 30) and second.start_date == datetime.date(2020, 7, 1)


def test_changes_are_kept_in_the_history(client, front_desk):
    client.force_login(front_desk)
    client.post(reverse("practitioners:create"), record_post_data())
    record = Practitioner.objects.get()
    client.post(reverse("practitioners:edit", args=[record.public_id]), record_post_data(
        email="els.janssens@example.be",
        **{"periods-TOTAL_FORMS": "0", "periods-INITIAL_FORMS": "0"},
    ))
    assert record.history.count() == 2
    page = client.get(record.get_absolute_url()).content.decode()
    assert "els.janssens@example.be" in page and "accueil" in page


def test_anonymous_users_are_sent_to_login(client, practitioner_record):
    for url in (reverse("dashboard"), reverse("practitioners:list"), practitioner_record.get_absolute_url()):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_practitioner_sees_only_their_own_record(client, practitioner_user, practitioner_record, other_record):
    client.force_login(practitioner_user)
    assert client.get(practitioner_record.get_absolute_url()).status_code == 200
    assert client.get(other_record.get_absolute_url()).status_code == 403
    assert client.get(reverse("practitioners:list")).status_code == 403
    assert client.get(reverse("practitioners:edit", args=[practitioner_record.public_id])).status_code == 403
    assert client.get(reverse("practitioners:contact", args=[other_record.public_id])).status_code == 403


def test_practitioner_edits_own_contact_details_only(client, practitioner_user, practitioner_record):
    client.force_login(practitioner_user)
    response = client.post(reverse("practitioners:contact", args=[practitioner_record.public_id]),
                           {"email": "new@example.be", "practice_postcode": "9000", "niss": "03021500440"})
    assert response.status_code == 302
    practitioner_record.refresh_from_db()
    assert practitioner_record.email == "new@example.be"
    assert practitioner_record.niss == "85073003328"


def test_bad_contact_data_is_refused_and_nothing_changes(client, practitioner_user, practitioner_record):
    client.force_login(practitioner_user)
    response = client.post(reverse("practitioners:contact", args=[practitioner_record.public_id]),
                           {"email": "not-an-email", "practice_postcode": "90"})
    assert response.status_code == 200
    assert "4 digits" in response.content.decode()
    practitioner_record.refresh_from_db()
    assert practitioner_record.email == "jan.peeters@example.be"


def test_list_search_by_name_niss_and_inami(client, front_desk, practitioner_record, other_record):
    add_period(other_record, inami_number="53886171521")
    client.force_login(front_desk)
    list_url = reverse("practitioners:list")
    assert [p.pk for p in client.get(list_url, {"q": "peet"}).context["practitioners"]] == [practitioner_record.pk]
    assert [p.pk for p in client.get(list_url, {"q": "85.07.30"}).context["practitioners"]] == [practitioner_record.pk]
    assert [p.pk for p in client.get(list_url, {"q": "5/38861"}).context["practitioners"]] == [other_record.pk]
    conventioned = client.get(list_url, {"conventioned": "yes"}).context["practitioners"]
    assert [p.pk for p in conventioned] == [other_record.pk]


def test_list_query_count_does_not_grow_with_rows(client, front_desk):
    client.force_login(front_desk)

    def queries_for_page():
        with CaptureQueriesContext(connection) as context:
            assert client.get(reverse("practitioners:list"), {"page_size": 200}).status_code == 200
        return len(context.captured_queries)

    for index in range(3):
        add_period(make_practitioner(niss="", last_name=f"A{index}"))
    queries_for_page()  # the session's first request after the login records its activity (one write)
    few = queries_for_page()
    for index in range(40):
        add_period(make_practitioner(niss="", last_name=f"B{index}"))
    assert queries_for_page() == few


def test_language_switch(client, front_desk):
    client.force_login(front_desk)
    response = client.post(reverse("set_language"), {"language": "nl", "next": reverse("dashboard")})
    assert response.status_code == 302
    page = client.get(reverse("dashboard"), headers={"accept-language": "nl"})
    assert page.context["LANGUAGE_CODE"] == "nl"


def test_the_list_offers_a_new_record_from_an_eid_card(client, front_desk):
    client.force_login(front_desk)
    page = client.get(reverse("practitioners:list")).content.decode()
    assert f'href="{reverse("eid:read")}"' in page


def test_a_change_of_treatment_types_shows_in_the_history(client, front_desk):
    from practitioners.models import TreatmentType

    physio = TreatmentType.objects.create(code="physiotherapy", name="Physiotherapy")
    podiatry = TreatmentType.objects.create(code="podiatry", name="Podiatry")
    client.force_login(front_desk)
    no_periods = {"periods-TOTAL_FORMS": "0", "periods-INITIAL_FORMS": "0"}
    client.post(reverse("practitioners:create"), record_post_data(treatment_types=[physio.pk], **no_periods))
    record = Practitioner.objects.get()
    client.post(reverse("practitioners:edit", args=[record.public_id]),
                record_post_data(treatment_types=[physio.pk, podiatry.pk], **no_periods))
    assert sorted(record.treatment_types.values_list("code", flat=True)) == ["physiotherapy", "podiatry"]
    response = client.get(record.get_absolute_url())
    assert response.status_code == 200
    assert "Physiotherapy → Physiotherapy, Podiatry" in response.content.decode()
