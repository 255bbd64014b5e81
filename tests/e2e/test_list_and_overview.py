"""Journeys through the registry list's search and sorting and the administrators' overview, in
French and Dutch, on a desktop and a phone: pointer clicks, visible text, nothing wider than the window."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from ehealth_certs.models import CertificateState
from tests.e2e.steps import TIMEOUT_MS, screenshot
from tests.factories import make_certificate, make_practitioner

pytestmark = pytest.mark.django_db(transaction=True)

SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
WORDS = {
    "fr": {"menu": "Menu", "overview": "Certificats eHealth", "expired": "Expiré", "print": "Version imprimable",
           "search": "Rechercher", "name": "Nom"},
    "nl": {"menu": "Menu", "overview": "eHealth-certificaten", "expired": "Verlopen", "print": "Afdrukversie",
           "search": "Zoeken", "name": "Naam"},
}  # fmt: skip


@pytest.fixture
def open_as(browser, live_server):
    """A tab logged in as `user`, in `language`, at a desktop's or a phone's size."""
    contexts = []

    def open_tab(user, language, size):
        client = Client()
        client.force_login(user)
        context = browser.new_context(base_url=live_server.url, locale=f"{language}-BE", viewport=SIZES[size])
        context.set_default_timeout(TIMEOUT_MS)
        context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
        contexts.append(context)
        return context.new_page()

    yield open_tab
    for context in contexts:
        context.close()


def fits_the_window(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def open_menu_entry(page, words, name):
    toggler = page.get_by_role("button", name=words["menu"])
    if toggler.is_visible():
        toggler.click()
    page.locator("#main-nav").get_by_role("link", name=name, exact=True).click()


@pytest.mark.parametrize("language", ["fr", "nl"])
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_administrator_filters_the_overview_from_the_menu_and_prints_it(open_as, administrator, language, size):
    now = timezone.now()
    for name, days, state in (("Expiredname", -3, CertificateState.ACTIVE), ("Validname", 300, CertificateState.ACTIVE),
                              ("Revokedname", 100, CertificateState.REVOKED)):  # fmt: skip
        record = make_practitioner(niss="", last_name=name, first_names="Marie-Élisabeth",
                                   email=f"{name.lower()}.with.a.long.address@example-practice.be")  # fmt: skip
        make_certificate(record, now + timedelta(days=days), state=state, now=now)
    words = WORDS[language]
    page = open_as(administrator, language, size)

    page.goto("/")
    open_menu_entry(page, words, words["overview"])
    page.get_by_role("link", name=words["expired"], exact=True).click()

    rows = page.locator("#certificates-overview tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("EXPIREDNAME")
    assert fits_the_window(page)
    screenshot(page, f"overview-expired-{language}-{size}")

    page.get_by_role("link", name=words["print"]).click()
    expect(page.locator("#certificates-overview tbody tr")).to_contain_text("EXPIREDNAME")
    assert fits_the_window(page)
    page.emulate_media(media="print")
    expect(page.locator("nav.navbar")).to_be_hidden()
    screenshot(page, f"overview-print-{language}-{size}")


@pytest.mark.parametrize("language", ["fr", "nl"])
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_front_desk_finds_a_name_typed_without_accents_and_sorts_by_a_header(open_as, front_desk, language, size):
    make_practitioner(niss="", last_name="Müller", first_names="Élodie")
    make_practitioner(niss="", last_name="Mulder", first_names="Anna")
    make_practitioner(niss="", last_name="Peeters", first_names="Jan")
    words = WORDS[language]
    page = open_as(front_desk, language, size)

    page.goto("/practitioners/")
    page.get_by_role("searchbox").click()
    page.keyboard.type("mul")
    page.get_by_role("button", name=words["search"], exact=True).click()
    rows = page.locator(".table-practitioners tbody tr")
    expect(rows).to_have_count(2)
    page.get_by_role("searchbox").fill("elodie muller")
    page.get_by_role("button", name=words["search"], exact=True).click()
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("MÜLLER Élodie")

    page.get_by_role("searchbox").fill("mul")
    page.get_by_role("button", name=words["search"], exact=True).click()
    page.get_by_role("columnheader").get_by_role("link", name=words["name"]).click()
    expect(rows.first).to_contain_text("MÜLLER")
    expect(page.locator("th[aria-sort=descending]")).to_have_text(f"{words['name']} ▼")
    assert page.get_by_role("searchbox").input_value() == "mul"
    assert fits_the_window(page)
    screenshot(page, f"registry-search-sorted-{language}-{size}")
