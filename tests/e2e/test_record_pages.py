"""The record pages as a person uses them (issue 11), at desktop (1366x900) and phone (390x844)
width: the INAMI periods table with the mouse, nothing wider than the window, tabs in the address
bar, a renewal tick landing on the certificate tab with its message."""
from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import expect

from ehealth_certs.lifecycle import keystore_import
from practitioners.models import InamiPeriod
from tests.e2e.steps import log_in, screenshot
from tests.ehealth_certs.keystores import PASSWORD, person_keystore
from tests.factories import add_period

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("ehealth_settings")]

VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
KEYSTORE_NAME = "SSIN=85073003328 20250314-101500.p12"


@pytest.fixture(params=sorted(VIEWPORTS))
def viewport(request, page):
    page.set_viewport_size(VIEWPORTS[request.param])
    return request.param


@pytest.fixture
def record_with_certificate(practitioner_record):
    add_period(practitioner_record, end_date=datetime.date(2019, 12, 31), conventioned=False)
    outcome = keystore_import.import_keystore(
        practitioner_record, person_keystore(not_after_days=60), PASSWORD, source_name=KEYSTORE_NAME
    )
    assert outcome.imported, outcome.message
    return practitioner_record, outcome.certificate


def assert_fits(page, what: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    window = page.evaluate("window.innerWidth")
    assert width <= window, f"{what}: the page is {width} px wide in a {window} px window"


def shown_pane(page) -> str:
    return page.locator(".tab-content > .tab-pane.active.show").get_attribute("id")


def test_front_desk_fills_a_period_with_the_mouse(page, viewport, front_desk, record_with_certificate):
    record, _certificate = record_with_certificate
    log_in(page, front_desk.username)
    page.goto(record.get_absolute_url())
    page.get_by_role("tab", name="Provider info").click()
    page.get_by_role("link", name="Edit", exact=True).click()  # opens the form on the same tab

    table = page.locator("#periods")
    expect(table).to_be_visible()
    assert table.bounding_box()["width"] > 300
    assert_fits(page, "the record form")
    page.locator("#id_periods-1-profession").select_option("physiotherapist")
    page.locator("#id_periods-1-inami_number").fill("5/38861/71/521")
    page.locator("#id_periods-1-start_date").fill("01/01/2020")
    conventioned = page.locator("#id_periods-1-conventioned")
    conventioned.click()  # a pointer click: fails if another element receives it
    expect(conventioned).to_be_checked()
    screenshot(page, f"record-form-periods-{viewport}")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("alert").filter(has_text="has been saved")).to_be_visible()
    assert shown_pane(page) == "provider"  # back on the tab the form was on
    assert InamiPeriod.objects.get(practitioner=record, start_date=datetime.date(2020, 1, 1)).conventioned


def test_errors_show_beside_their_field_and_the_tab_holding_one_opens(page, viewport, front_desk, record_with_certificate):
    record, _certificate = record_with_certificate
    log_in(page, front_desk.username)
    page.goto(f"/practitioners/{record.public_id}/edit/?tab=provider")
    page.get_by_label("Enterprise number").fill("0566.988.258")
    page.get_by_role("tab", name="Administrative").click()
    page.locator("#id_periods-1-profession").select_option("physiotherapist")
    page.locator("#id_periods-1-inami_number").fill("5/38861/72/521")
    page.locator("#id_periods-1-start_date").fill("01/06/2019")  # overlaps 2015-2019
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("alert").filter(has_text="The record was not saved")).to_be_visible()
    expect(page.get_by_role("tab", name="Provider info (contains errors)")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_text("The enterprise number check digits do not match")).to_be_visible()
    expect(page.locator("#id_periods-1-inami_number_error")).to_be_visible()
    expect(page.get_by_text("This period overlaps another physiotherapist period")).to_be_visible()
    assert_fits(page, "the record form with errors")
    screenshot(page, f"record-form-errors-{viewport}")


def test_record_and_certificate_pages_fit_the_window(page, viewport, administrator, record_with_certificate):
    record, certificate = record_with_certificate
    log_in(page, administrator.username)
    pages = {
        "record-administrative": record.get_absolute_url(),
        "record-provider": record.get_absolute_url() + "?tab=provider",
        "record-history": record.get_absolute_url() + "?tab=history",
        "record-form": f"/practitioners/{record.public_id}/edit/?tab=provider",
        "record-print": f"/practitioners/{record.public_id}/print/",
        "certificate-upload": f"/practitioners/{record.public_id}/certificate/",
        "certificate-detail": f"/practitioners/{record.public_id}/certificate/{certificate.public_id}/",
        "certificate-password": f"/practitioners/{record.public_id}/certificate/{certificate.public_id}/password/",
        "certificate-revoke": f"/practitioners/{record.public_id}/certificate/{certificate.public_id}/revoke/",
        "certificate-remove": f"/practitioners/{record.public_id}/certificate/{certificate.public_id}/remove/",
        "keystore-file-password": f"/practitioners/{record.public_id}/certificate/password/",
        "eid": f"/practitioners/{record.public_id}/certificate/eid/",
    }
    for name, url in pages.items():
        page.goto(url)
        screenshot(page, f"{name}-{viewport}")
        assert_fits(page, name)


def test_tabs_follow_the_address_bar_reload_and_back_button(page, administrator, record_with_certificate):
    record, _certificate = record_with_certificate
    page.set_viewport_size(VIEWPORTS["desktop"])
    log_in(page, administrator.username)
    page.goto(record.get_absolute_url())
    assert shown_pane(page) == "administrative"

    page.get_by_role("tab", name="Provider info").click()
    page.wait_for_url("**?tab=provider")
    expect(page.get_by_role("link", name="Edit", exact=True)).to_have_attribute("href", f"/practitioners/{record.public_id}/edit/?tab=provider")
    page.get_by_role("tab", name="History").click()
    page.wait_for_url("**?tab=history")
    page.reload()
    expect(page.locator("#history")).to_be_visible()

    page.go_back()
    page.wait_for_url("**?tab=provider")
    expect(page.locator("#certificate-button")).to_be_visible()
    page.go_back()
    expect(page.get_by_text("Correspondence address")).to_be_visible()
    assert shown_pane(page) == "administrative"


def test_ticking_a_renewal_step_stays_on_the_certificate_tab(page, viewport, practitioner_user, record_with_certificate):
    record, _certificate = record_with_certificate
    log_in(page, practitioner_user.username)
    page.get_by_role("link", name="Open my record").first.click()
    expect(page.locator("#renewal-panel")).to_be_visible()  # the notice's link opens the certificate tab

    page.locator('[data-step="renew"] button').click()

    expect(page.get_by_text("Step “Renew the certificate with the eID card” is marked as done.")).to_be_visible()
    expect(page.locator('[data-step="renew"]')).to_have_attribute("data-done", "1")
    expect(page.locator("#renewal-panel")).to_be_visible()
    assert_fits(page, "the record's certificate tab")


def test_printing_the_record_prints_every_tab_without_the_navigation(page, front_desk, record_with_certificate):
    record, _certificate = record_with_certificate
    page.set_viewport_size(VIEWPORTS["desktop"])
    log_in(page, front_desk.username)
    page.goto(record.get_absolute_url())
    page.get_by_role("link", name="Print").click()
    expect(page.get_by_role("button", name="Print")).to_be_visible()
    assert page.locator("nav.navbar").count() == 0

    for url in (page.url, record.get_absolute_url()):  # the print view, and the record page itself (Ctrl+P)
        page.goto(url)
        page.emulate_media(media="print")
        for text in ("Correspondence address", "Current INAMI number", "5/38861/71/521", "When"):
            expect(page.get_by_text(text, exact=True).first).to_be_visible()
        for hidden in ("nav.navbar", "footer", "#print-record", "[data-action=print]", ".record-tabs"):
            expect(page.locator(hidden)).to_be_hidden()
        page.emulate_media(media="screen")
