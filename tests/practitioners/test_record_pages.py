"""The record pages (issue 11): tabs named in the URL, period errors beside their row, the tab that
holds an error marked and shown, and the print view of the whole record."""
from __future__ import annotations

import re

import pytest
from django.urls import reverse

from practitioners.models import Practitioner
from tests.factories import add_period, record_post_data

pytestmark = pytest.mark.django_db


def tab_link(page: str, name: str) -> str:
    match = re.search(rf'<a [^>]*id="{name}-tab".*?</a>', page, re.S)
    assert match, f"no {name} tab"
    return match.group(0)


def pane_is_open(page: str, name: str) -> bool:
    return re.search(rf'<div class="tab-pane fade show active" id="{name}"', page) is not None


def open_panes(page: str) -> list[str]:
    return re.findall(r'<div class="tab-pane fade show active" id="([a-z]+)"', page)


# --------------------------------------------------------------------------- the form


def test_the_periods_fieldset_keeps_its_table_beside_the_legend(client, front_desk):
    """The management form's hidden inputs right after the floated legend squeezed the table to 0 px."""
    client.force_login(front_desk)
    page = client.get(reverse("practitioners:create")).content.decode()
    fieldset = re.search(r'<fieldset[^>]*id="periods-fieldset".*?</fieldset>', page, re.S).group(0)
    after_legend = fieldset.split("</legend>", 1)[1].lstrip()
    assert after_legend.startswith('<div class="table-responsive">')
    assert 'class="h5 float-none"' in fieldset
    assert 'name="periods-TOTAL_FORMS"' in fieldset  # still inside the form


def test_period_errors_show_beside_their_row_whatever_the_tab(client, front_desk):
    client.force_login(front_desk)
    data = record_post_data(**{
        "periods-1-start_date": "01/06/2022",  # overlaps period 0 (2020-2022)
        "periods-2-profession": "physiotherapist", "periods-2-inami_number": "5/38861/72/521",
        "periods-2-start_date": "31/02/2024",
        "periods-TOTAL_FORMS": "3", "tab": "provider",
    })  # fmt: skip
    page = client.post(reverse("practitioners:create"), data).content.decode()

    assert not Practitioner.objects.exists()
    assert open_panes(page) == ["provider"]  # the tab the user was on: the periods are below the tabs
    assert "(contains errors)" not in tab_link(page, "administrative") + tab_link(page, "provider")
    # the overlap on the row just above period 1's row; field errors under their field
    overlap = re.search(r'<tr class="period-errors">.*?</tr>\s*<tr class="period-row">(.*?)</tr>', page, re.S)
    assert "This period overlaps another physiotherapist period" in overlap.group(0)
    assert 'id="id_periods-1-start_date"' in overlap.group(1)
    assert re.search(r'id="id_periods-2-inami_number_error">[^<]*check digits', page)
    assert re.search(r'id="id_periods-2-start_date_error">Enter a valid date', page)


def test_the_first_tab_with_an_error_is_shown_and_every_tab_with_one_is_marked(client, front_desk):
    client.force_login(front_desk)
    page = client.post(reverse("practitioners:create"), record_post_data(enterprise_number="0566.988.258", tab="administrative")).content.decode()
    assert open_panes(page) == ["provider"]
    assert "(contains errors)" in tab_link(page, "provider") and 'aria-selected="true"' in tab_link(page, "provider")
    assert "(contains errors)" not in tab_link(page, "administrative")
    assert 'name="tab" value="provider"' in page

    data = record_post_data(niss="03021500441", enterprise_number="0566.988.258", tab="provider")
    page = client.post(reverse("practitioners:create"), data).content.decode()
    assert open_panes(page) == ["administrative"]
    assert "(contains errors)" in tab_link(page, "administrative") and "(contains errors)" in tab_link(page, "provider")
    assert 'name="tab" value="administrative"' in page
    assert not Practitioner.objects.exists()


def test_an_error_of_the_whole_period_set_shows_above_the_periods(client, front_desk):
    client.force_login(front_desk)
    data = record_post_data()
    del data["periods-TOTAL_FORMS"]  # a tampered management form
    page = client.post(reverse("practitioners:create"), data).content.decode()

    assert not Practitioner.objects.exists()
    assert re.search(r'id="periods-errors">[^<]*ManagementForm data is missing', page)


def test_the_form_opens_on_the_tab_in_the_url_and_the_record_opens_on_it_after_saving(client, front_desk, practitioner_record):
    client.force_login(front_desk)
    edit = reverse("practitioners:edit", kwargs={"public_id": practitioner_record.public_id})
    page = client.get(edit + "?tab=provider").content.decode()
    assert open_panes(page) == ["provider"]

    response = client.post(edit, record_post_data(niss="85073003328", birth_date="30/07/1985", sex="M", tab="provider"))

    assert response.status_code == 302
    assert response.url == practitioner_record.get_absolute_url() + "?tab=provider"


# --------------------------------------------------------------------------- the record page


@pytest.mark.parametrize(("query", "shown"), [("", "administrative"), ("?tab=provider", "provider"), ("?tab=history", "history"), ("?tab=nope", "administrative")])
def test_the_record_opens_on_the_tab_named_in_the_url(client, front_desk, practitioner_record, query, shown):
    client.force_login(front_desk)
    page = client.get(practitioner_record.get_absolute_url() + query).content.decode()
    assert open_panes(page) == [shown]
    assert 'aria-selected="true"' in tab_link(page, shown)
    assert f'href="?tab={shown}"' in tab_link(page, shown)  # a plain link: works without script
    assert f'/edit/?tab={shown}"' in page or shown == "history"


def test_print_view_holds_every_tab_and_no_navigation(client, front_desk, practitioner_record):
    add_period(practitioner_record)
    client.force_login(front_desk)
    record = client.get(practitioner_record.get_absolute_url()).content.decode()
    print_url = reverse("practitioners:print", kwargs={"public_id": practitioner_record.public_id})
    assert f'href="{print_url}"' in record

    page = client.get(print_url).content.decode()

    assert "navbar" not in page and "set_language" not in page
    for heading in ("Administrative", "Provider info", "History"):
        assert re.search(rf'<h2 [^>]*>{heading}</h2>', page)
    assert "85.07.30-033.28" in page  # NISS (Administratif)
    assert "5/38861/71/521" in page  # INAMI period (Info prestataire)
    assert "No eHealth certificate" in page
    assert "created" in page.split('id="print-history"')[1]  # the history's first entry
    assert 'data-action="print"' in page and "js/print.js" in page
