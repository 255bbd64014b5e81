"""The registry list: what the page's rows carry, its default filter, its sorting and its form."""
import datetime
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import translation

from practitioners.filters import PractitionerFilter, StaticChoicesSelect
from practitioners.models import Practitioner, Profession
from practitioners.selectors import attach_current_inami, practitioners_with_current_inami
from tests.factories import add_period, make_practitioner

pytestmark = pytest.mark.django_db

DAY = datetime.date(2024, 6, 1)


def test_page_rows_get_the_same_current_period_as_the_annotations():
    ended = make_practitioner(niss="", last_name="Ended")
    add_period(ended, start_date=datetime.date(2010, 1, 1), end_date=datetime.date(2020, 1, 1))
    future = make_practitioner(niss="", last_name="Future")
    add_period(future, start_date=datetime.date(2030, 1, 1))
    two = make_practitioner(niss="", last_name="Two")  # the newer period gives the number, the older one the convention
    add_period(two, profession=Profession.PHYSIOTHERAPIST, start_date=datetime.date(2015, 1, 1), inami_number="53886171521")
    add_period(two, profession=Profession.PODIATRIST, start_date=datetime.date(2022, 1, 1), inami_number="12345678901",
               conventioned=False)  # fmt: skip
    unconventioned = make_practitioner(niss="", last_name="Unconventioned")
    add_period(unconventioned, conventioned=False, end_date=DAY)
    make_practitioner(niss="", last_name="Without")

    rows = list(Practitioner.objects.order_by("pk"))
    attach_current_inami(rows, DAY)

    fields = ("current_inami", "current_profession", "conventioned_today")
    annotated = practitioners_with_current_inami(DAY).order_by("pk")
    assert [[getattr(row, name) for name in fields] for row in rows] == [list(values) for values in annotated.values_list(*fields)]
    assert [row.current_inami for row in rows] == [None, None, "12345678901", "53886171521", None]
    assert [row.conventioned_today for row in rows] == [False, False, True, False, False]


def test_the_bare_list_shows_active_records_as_its_status_field_says(client, front_desk):
    active = make_practitioner(niss="", last_name="Active")
    make_practitioner(niss="", last_name="Inactive", is_active=False)
    client.force_login(front_desk)

    response = client.get(reverse("practitioners:list"))

    assert [p.pk for p in response.context["practitioners"]] == [active.pk]
    assert '<option value="active" selected>' in response.content.decode()
    everyone = client.get(reverse("practitioners:list"), {"status": "all"}).context["practitioners"]
    assert [p.last_name for p in everyone] == ["Active", "Inactive"]


def test_sorting_by_inami_number_and_filtering_the_unconventioned(client, front_desk):
    first, second, none = (make_practitioner(niss="", last_name=name) for name in ("A", "B", "C"))
    add_period(first, inami_number="53886171521", conventioned=False)
    add_period(second, inami_number="12345678901")
    client.force_login(front_desk)
    list_url = reverse("practitioners:list")

    def numbered(ordering):  # where a record without a number goes depends on the database
        return [p.pk for p in client.get(list_url, {"ordering": ordering}).context["practitioners"] if p.current_inami]

    assert numbered("inami") == [second.pk, first.pk]
    assert numbered("-inami") == [first.pk, second.pk]
    unconventioned = client.get(list_url, {"conventioned": "no"}).context["practitioners"]
    assert [p.pk for p in unconventioned] == [first.pk, none.pk]
    page = client.get(list_url, {"conventioned": "no"}).content.decode()
    assert "5/38861/71/521" in page and "1/23456/78/901" not in page


def test_filter_selects_show_the_selected_value_in_the_current_language():
    def profession_select(value, language):
        with translation.override(language):
            return str(PractitionerFilter({"profession": value}).form["profession"])

    english = profession_select("podiatrist", "en")
    assert '<option value="podiatrist" selected>' in english and '<option value="physiotherapist">' in english
    assert profession_select("podiatrist", "en") == english
    french = profession_select("physiotherapist", "fr")
    assert '<option value="physiotherapist" selected>' in french and french != english
    with translation.override("fr"):
        assert str(Profession.PODIATRIST.label) in french


@pytest.mark.parametrize(
    ("language", "labels"),
    [
        ("nl", ["Naam", "Naam (aflopend)", "Geboortedatum", "Geboortedatum (aflopend)", "INSZ", "INSZ (aflopend)",
                "RIZIV-nummer", "RIZIV-nummer (aflopend)"]),
        ("fr", ["Nom", "Nom (décroissant)", "Date de naissance", "Date de naissance (décroissant)", "NISS",
                "NISS (décroissant)", "Numéro INAMI", "Numéro INAMI (décroissant)"]),
    ],
)
def test_sort_labels_speak_the_current_language(language, labels):
    """The labels are lazy: the language active when the module was imported does not stick."""
    with translation.override(language):
        select = str(PractitionerFilter({}).form["ordering"])
    assert re.findall(r'<option value="-?\w+">([^<]+)</option>', select) == labels


def test_a_value_outside_the_choices_is_shown_but_not_kept():
    StaticChoicesSelect._rendered.clear()
    select = StaticChoicesSelect(choices=[("yes", "Yes"), ("no", "No")])

    assert 'value="yes" selected' in select.render("conventioned", "yes")
    assert "selected" not in select.render("conventioned", "<script>")
    assert [key[2] for key in StaticChoicesSelect._rendered] == ["yes"]


def test_each_row_shows_the_record_s_cells_escaped(client, front_desk):
    odd = make_practitioner(niss="85073003328", last_name="<b>O'Brien</b>", first_names='Ann "Jo"')
    add_period(odd, profession=Profession.PODIATRIST, inami_number="53886171521", conventioned=False)
    unconventioned_gone = make_practitioner(niss="", last_name="Gone", birth_date=None, is_active=False)
    client.force_login(front_desk)

    body = client.get(reverse("practitioners:list"), {"status": "all"}).content.decode()

    assert "<b>O" not in body and "&lt;B&gt;O&#x27;BRIEN&lt;/B&gt; Ann &quot;Jo&quot;" in body
    assert f'href="{odd.get_absolute_url()}"' in body
    row = body[body.index(odd.get_absolute_url()):]
    row = row[: row.index("</tr>")]
    for cell in ("30/07/1985", "85.07.30-033.28", str(Profession.PODIATRIST.label), "5/38861/71/521", ">no<"):
        assert cell in row, cell
    assert 'data-status="none"' in row
    gone = body[body.index(unconventioned_gone.get_absolute_url()) - 60 :]
    assert gone[: gone.index("</a>")].count('class="text-body-secondary"') == 1


def test_no_match_says_so(client, front_desk):
    client.force_login(front_desk)
    body = client.get(reverse("practitioners:list"), {"q": "nobody"}, headers={"accept-language": "en"}).content.decode()
    assert '<td colspan="7">No practitioner matches.</td>' in body


@pytest.mark.parametrize(("language", "everything"), [("en", "All"), ("fr", "Tous"), ("nl", "Alle")])
def test_choice_filters_offer_everything_in_words_not_dashes(client, front_desk, language, everything):
    client.force_login(front_desk)

    body = client.get(reverse("practitioners:list"), headers={"accept-language": language}).content.decode()

    assert "---------" not in body
    for name in ("profession", "conventioned", "certificate"):
        select = body[body.index(f'name="{name}"'):]
        assert select[: select.index("</select>")].count(f'<option value="" selected>{everything}</option>') == 1, name


def test_column_headers_sort_both_ways_and_keep_the_search(client, front_desk):
    for name, born in (("Alpha", datetime.date(1990, 1, 1)), ("Beta", datetime.date(1970, 1, 1)), ("Gamma", None)):
        make_practitioner(niss="", last_name=name, first_names="Ann", birth_date=born)
    client.force_login(front_desk)
    list_url = reverse("practitioners:list")

    def header(body, label):
        head = body[body.index("<thead>") : body.index("</thead>")]
        start = head.rindex("<th", 0, head.index(f">{label}"))
        return head[start : head.index("</th>", start)]

    body = client.get(list_url, {"q": "ann", "status": "all", "page": "1"}).content.decode()
    assert header(body, "Name") == (
        '<th scope="col" aria-sort="ascending"><a href="?q=ann&amp;status=all&amp;ordering=-name">'
        'Name <span aria-hidden="true">▲</span></a>'
    )
    assert header(body, "Date of birth") == '<th scope="col"><a href="?q=ann&amp;status=all&amp;ordering=birth_date">Date of birth</a>'

    response = client.get(list_url, {"q": "ann", "status": "all", "ordering": "-name"})
    assert [p.last_name for p in response.context["practitioners"]] == ["Gamma", "Beta", "Alpha"]
    assert 'aria-sort="descending"><a href="?q=ann&amp;status=all&amp;ordering=name">Name <span aria-hidden="true">▼</span>' in (
        response.content.decode()
    )
    response = client.get(list_url, {"q": "ann", "ordering": "birth_date"})
    assert [p.last_name for p in response.context["practitioners"] if p.birth_date] == ["Beta", "Alpha"]
    assert 'aria-sort="ascending"><a href="?q=ann&amp;ordering=-birth_date">Date of birth' in response.content.decode()
    assert "aria-sort" not in header(response.content.decode(), "Name")


def test_the_page_links_keep_the_search_the_filters_and_the_page_size(client, front_desk):
    for number in range(3):
        make_practitioner(niss="", last_name=f"Peeters{number}")
    make_practitioner(niss="", last_name="Other")
    client.force_login(front_desk)

    page = client.get(reverse("practitioners:list"), {"q": "peeters", "page_size": "2", "page": "2"}).content.decode()

    [previous] = re.findall(r'<a class="page-link" href="([^"]*)">Previous</a>', page)
    assert parse_qs(urlsplit(previous.replace("&amp;", "&")).query) == {"q": ["peeters"], "page_size": ["2"], "page": ["1"]}


def test_another_app_s_filter_goes_before_the_sort_and_a_taken_name_is_refused(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from practitioners import list_extensions

    monkeypatch.setattr(list_extensions, "_filters", list(list_extensions.filters()))
    with pytest.raises(ImproperlyConfigured):  # the certificates' filter already has this name
        list_extensions.add_filter(list_extensions.Filter("certificate", "Again", (("x", "X"),), lambda qs, value: qs))
    assert list(PractitionerFilter({}).form.fields)[-2:] == ["certificate", "ordering"]

    list_extensions.add_filter(list_extensions.Filter("status_again", "Status", (("x", "X"),), lambda qs, value: qs.none()))
    assert list(PractitionerFilter({}).form.fields)[-3:] == ["certificate", "status_again", "ordering"]
    assert not PractitionerFilter({"status_again": "x"}).qs.exists() and PractitionerFilter({"status_again": ""}).is_valid()

    list_extensions.add_filter(list_extensions.Filter("status", "Status", (("x", "X"),), lambda qs, value: qs))
    with pytest.raises(ImproperlyConfigured):  # the registry's own
        PractitionerFilter({})
