"""The five journeys of issue 6 in Chromium, plus keyboard-only use and labelled inputs.

The journeys act like a person with a mouse: they click each field before typing in it, tick boxes
and pick files with pointer clicks (never ``force``: a click that something else would intercept
fails), and check what the page shows in words.
"""
from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ehealth_certs.reminders import scan
from ehealth_certs.lifecycle import keystore_import
from ehealth_certs.models import Certificate, CertificateState
from practitioners.models import Practitioner
from tests.e2e.steps import choose, log_in, on_main_screen, pick_file, screenshot, type_into
from tests.ehealth_certs.keystores import PASSWORD, not_after_of, person_keystore

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("ehealth_settings")]

KEYSTORE_NAME = "SSIN=85073003328 20250314-101500.p12"


@pytest.fixture
def keystore_file(tmp_path):
    path = tmp_path / KEYSTORE_NAME
    path.write_bytes(person_keystore())
    return path


def expiry_of(keystore: bytes) -> str:
    return timezone.localtime(not_after_of(keystore)).strftime("%d/%m/%Y")


def shown(page, text: str):
    """The first element showing ``text`` that a person can see (hidden copies do not count)."""
    return page.get_by_text(text).locator("visible=true").first


def show_tab(page, name: str) -> None:
    """Click a Bootstrap tab and wait until its pane has faded in (so screenshots show it)."""
    tab = page.get_by_role("tab", name=name)
    tab.click()
    expect(tab).to_have_attribute("aria-selected", "true")
    pane_id = tab.get_attribute("aria-controls") or tab.get_attribute("href").lstrip("#")
    page.wait_for_function("id => getComputedStyle(document.getElementById(id)).opacity === '1'", arg=pane_id)


def fill_period(page, index: int, *, inami: str, start: str, end: str = "") -> None:
    """The period fields of one row, as a person meets them from left to right."""
    choose(page.get_by_role("combobox", name="Profession").nth(index), "Physiotherapist")
    type_into(page.get_by_role("textbox", name="INAMI number").nth(index), inami)
    type_into(page.get_by_role("textbox", name="Start date").nth(index), start)
    type_into(page.get_by_role("textbox", name="End date").nth(index), end)


# --------------------------------------------------------------------------- 1. front desk: a new record


def test_front_desk_creates_a_record_with_two_periods_after_fixing_niss_and_overlap(page, front_desk):
    log_in(page, front_desk.username)
    page.get_by_role("navigation").get_by_role("link", name="Practitioners").click()
    page.get_by_role("link", name="New practitioner", exact=True).click()

    type_into(page.get_by_label("Last name"), "Janssens")
    type_into(page.get_by_label("First names"), "Pieter")
    type_into(page.get_by_label("Date of birth"), "30/07/1985")
    choose(page.get_by_label("Sex"), "Male")
    type_into(page.get_by_label("NISS"), "85.07.30-033.29")  # wrong check digits
    show_tab(page, "Provider info")
    expect(page.get_by_label("Approval number")).to_be_visible()  # Bootstrap's tabs work

    page.get_by_role("button", name="Add a period").click()
    expect(page.get_by_role("textbox", name="INAMI number")).to_have_count(2)
    fill_period(page, 0, inami="5/38861/71/521", start="01/01/2015")
    fill_period(page, 1, inami="5/38861/71/521", start="01/06/2018", end="31/12/2019")
    conventioned = page.get_by_role("checkbox", name="Conventioned")
    conventioned.nth(1).click()  # the mouse on the box, where a person ticks it
    expect(conventioned.nth(1)).to_be_checked()
    page.get_by_role("button", name="Save").click()

    expect(shown(page, "The record was not saved")).to_be_visible()
    show_tab(page, "Administrative")
    expect(shown(page, "The NISS check digits do not match")).to_be_visible()
    type_into(page.get_by_label("NISS"), "85.07.30-033.28")
    show_tab(page, "Provider info")
    expect(shown(page, "This period overlaps another physiotherapist period (01/01/2015 – no end date).")).to_be_visible()
    assert not Practitioner.objects.exists()

    type_into(page.get_by_role("textbox", name="End date").nth(0), "31/12/2017")
    page.get_by_role("button", name="Save").click()

    expect(shown(page, "has been saved")).to_be_visible()
    record = Practitioner.objects.get()
    assert record.niss == "85073003328"
    assert sorted((p.start_date.isoformat(), str(p.end_date), p.conventioned) for p in record.inami_periods.all()) == [
        ("2015-01-01", "2017-12-31", False), ("2018-06-01", "2019-12-31", True),
    ]  # fmt: skip

    page.get_by_role("navigation").get_by_role("link", name="Practitioners").click()
    type_into(page.get_by_label("Search"), "Janssens")
    page.get_by_role("button", name="Search").click()
    row = page.get_by_role("row").filter(has_text="Janssens")
    expect(row).to_have_count(1)
    expect(row).to_be_visible()
    expect(row).to_contain_text("85.07.30-033.28")
    screenshot(page, "1-front-desk-new-record")


# --------------------------------------------------------------------------- 2. practitioner: import the keystore


def open_own_certificate_tab(page) -> None:
    page.get_by_role("link", name="Open my record").first.click()
    show_tab(page, "Provider info")


def import_keystore(page, keystore_file, password: str, *, file_label: str = "Keystore file",
                    password_label: str = "Keystore password", button: str = "Check and import") -> None:
    pick_file(page, page.get_by_label(file_label), keystore_file)
    type_into(page.get_by_label(password_label), password)
    page.get_by_role("button", name=button).click()


def test_practitioner_imports_their_keystore_after_a_wrong_password(page, practitioner_user, keystore_file):
    log_in(page, practitioner_user.username)
    open_own_certificate_tab(page)
    button = page.get_by_role("link", name="No eHealth certificate")
    expect(button).to_be_visible()
    expect(button).to_have_class(re.compile("btn-danger"))  # red, as in Oxygen
    button.click()

    import_keystore(page, keystore_file, "not-the-password")
    expect(shown(page, "The password does not open this keystore.")).to_be_visible()
    assert not Certificate.objects.exists()

    import_keystore(page, keystore_file, PASSWORD)
    expiry = expiry_of(person_keystore())
    expect(shown(page, f"It is valid until {expiry}")).to_be_visible()

    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link").first.click()
    show_tab(page, "Provider info")
    green = page.get_by_role("link", name=f"eHealth certificate ({expiry})")
    expect(green).to_be_visible()
    expect(green).to_have_class(re.compile("btn-success"))
    screenshot(page, "2-practitioner-imports-keystore")


# --------------------------------------------------------------------------- 3. practitioner: a new keystore password


def test_practitioner_changes_the_keystore_password_watching_the_checks_turn_green(page, practitioner_user, practitioner_record):
    outcome = keystore_import.import_keystore(practitioner_record, person_keystore(), PASSWORD, source_name=KEYSTORE_NAME)
    assert outcome.certificate is not None
    log_in(page, practitioner_user.username)
    open_own_certificate_tab(page)
    page.get_by_role("link", name="Change the keystore password").click()

    checks = page.locator("#password-checks [data-rule]")
    rule = lambda code: page.locator(f'#password-checks [data-rule="{code}"]')  # noqa: E731
    expect(checks.first).to_be_visible()
    expect(checks.first).to_have_class(re.compile("text-body-secondary"))
    type_into(page.get_by_label("Current keystore password"), PASSWORD)
    new_password = page.get_by_label("New keystore password")
    new_password.click()
    new_password.press_sequentially("abc")
    expect(rule("length")).to_have_class(re.compile("text-danger"))
    expect(rule("digit_or_symbol")).to_have_class(re.compile("text-danger"))
    expect(rule("characters")).to_have_class(re.compile("text-success"))
    new_password.press_sequentially("défg")  # é: not accepted by Java
    expect(rule("characters")).to_have_class(re.compile("text-danger"))
    new_password.press("Control+a")
    new_password.press("Backspace")
    new_password.press_sequentially("Abcdefg-7")
    for code in ("length", "characters", "digit_or_symbol"):
        expect(rule(code)).to_have_attribute("data-passed", "1")
    expect(rule("confirmation")).to_have_attribute("data-passed", "0")
    confirmation = page.get_by_label("Confirm the new password")
    confirmation.click()
    confirmation.press_sequentially("Abcdefg-7")
    expect(checks.filter(has=page.locator(".check-mark"))).to_have_count(4)
    for code in ("length", "characters", "digit_or_symbol", "confirmation"):
        expect(rule(code)).to_be_visible()
        expect(rule(code)).to_have_class(re.compile("text-success"))
    screenshot(page, "3-password-checks-green")

    page.get_by_role("button", name="Change the password").click()
    expect(shown(page, "The keystore password has been changed")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the keystore").click()
    assert download.value.suggested_filename.endswith(".p12")


# --------------------------------------------------------------------------- 4. administrator: notices, overview, reminder log


def test_administrator_sees_the_notice_the_overview_and_the_reminder_log(page, administrator, practitioner_record, other_record):
    from tests.ehealth_certs.keystores import OTHER_SSIN

    for record, ssin in ((practitioner_record, practitioner_record.niss), (other_record, OTHER_SSIN)):
        keystore = person_keystore(ssin=ssin, not_after_days=20)
        assert keystore_import.import_keystore(record, keystore, PASSWORD, source_name="k.p12").certificate is not None
    result = scan.scan_expiring()
    assert len(result.reminders) == 2

    log_in(page, administrator.username)
    expect(shown(page, "2 certificates expire within 3 months")).to_be_visible()
    page.get_by_role("link", name="Certificates overview").first.click()

    overview = page.locator("#certificates-overview").get_by_role("row")
    for name in ("Peeters", "Dubois"):
        expect(overview.filter(has_text=name)).to_be_visible()
        expect(overview.filter(has_text=name)).to_have_class(re.compile("table-warning"))
    log = page.locator("#reminder-log tbody").get_by_role("row")
    expect(log).to_have_count(2)
    expect(log.filter(has_text="Peeters")).to_be_visible()
    expect(log.filter(has_text="Peeters")).to_contain_text("pending")
    screenshot(page, "4-administrator-overview")


# --------------------------------------------------------------------------- 5. journey 2 in Dutch


def test_practitioner_imports_their_keystore_in_dutch(page, practitioner_user, keystore_file):
    log_in(page, practitioner_user.username)
    page.locator("footer").get_by_role("button", name="Nederlands").click()
    expect(page.locator("html")).to_have_attribute("lang", "nl")

    page.get_by_role("link", name="Mijn fiche openen").first.click()
    show_tab(page, "Info zorgverlener")
    button = page.get_by_role("link", name="Geen eHealth-certificaat")
    expect(button).to_be_visible()
    button.click()

    dutch = dict(file_label="Keystorebestand", password_label="Wachtwoord van de keystore", button="Controleren en importeren")
    import_keystore(page, keystore_file, "niet-het-wachtwoord", **dutch)
    expect(shown(page, "Het wachtwoord opent deze keystore niet.")).to_be_visible()
    assert not Certificate.objects.exists()

    import_keystore(page, keystore_file, PASSWORD, **dutch)
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    page.get_by_role("navigation", name="Kruimelpad").get_by_role("link").first.click()
    show_tab(page, "Info zorgverlener")
    green = page.get_by_role("link", name=f"eHealth-certificaat ({expiry_of(person_keystore())})")
    expect(green).to_be_visible()
    expect(green).to_have_class(re.compile("btn-success"))
    assert Certificate.objects.get().state == CertificateState.ACTIVE
    screenshot(page, "5-practitioner-imports-keystore-nl")


# --------------------------------------------------------------------------- keyboard only, and labels


def test_keyboard_only_login_and_new_record(page, front_desk):
    """Tab to each field, type, and submit with Enter or Space: no mouse."""
    page.goto("/accounts/login/")
    assert page.evaluate("document.activeElement.name") == "username"  # the form starts with the focus there
    page.keyboard.type(front_desk.username)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "password"
    page.keyboard.type("correct horse battery")
    page.keyboard.press("Enter")
    page.wait_for_url(on_main_screen)

    page.goto("/practitioners/new/")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Skip to content")
    page.keyboard.press("Enter")
    focus_field(page, "last_name")
    page.keyboard.type("Claes")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "first_names"
    page.keyboard.type("Lotte")
    focus_field(page, None, button="Administrative", key="Shift+Tab")  # back to the tabs:
    page.keyboard.press("ArrowRight")  # the INAMI periods are shown with the provider info
    expect(page.get_by_role("tab", name="Provider info")).to_have_attribute("aria-selected", "true")
    focus_field(page, "periods-0-profession")
    page.keyboard.press("ArrowDown")  # the first profession
    focus_field(page, "periods-0-inami_number")
    page.keyboard.type("53886171521")
    page.keyboard.press("Tab")
    page.keyboard.type("01/01/2020")
    focus_field(page, None, button="Save")
    page.keyboard.press("Space")

    expect(page.get_by_role("alert").filter(has_text="has been saved")).to_be_visible()
    record = Practitioner.objects.get()
    assert (record.last_name, record.first_names) == ("Claes", "Lotte")
    assert record.inami_periods.get().inami_number == "53886171521"
    screenshot(page, "keyboard-only-new-record")


def focus_field(page, name: str | None, *, button: str | None = None, key: str = "Tab", limit: int = 200) -> None:
    """Press Tab (or ``key``) until the field named ``name`` (or the button with that text) has the focus."""
    for _ in range(limit):
        page.keyboard.press(key)
        active = page.evaluate("[document.activeElement.name, document.activeElement.textContent.trim()]")
        if (name is not None and active[0] == name) or (button is not None and active[1] == button):
            return
    raise AssertionError(f"Tab never reached {name or button}")


UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter(el => el.type !== 'hidden' && el.offsetParent !== null)
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
  .map(el => el.name || el.id || el.outerHTML)"""


def test_every_visible_input_of_the_main_pages_has_a_label(page, front_desk, administrator, practitioner_user, practitioner_record):
    keystore_import.import_keystore(practitioner_record, person_keystore(), PASSWORD, source_name=KEYSTORE_NAME)
    record = practitioner_record.public_id
    certificate = Certificate.objects.get().public_id
    pages = {
        None: ["/accounts/login/"],
        front_desk: ["/", "/practitioners/", "/practitioners/new/", f"/practitioners/{record}/edit/",
                     f"/practitioners/{record}/", "/practitioners/eid/"],
        practitioner_user: [f"/practitioners/{record}/certificate/", f"/practitioners/{record}/contact/",
                            f"/practitioners/{record}/certificate/{certificate}/password/",
                            f"/practitioners/{record}/certificate/password/",
                            f"/practitioners/{record}/certificate/{certificate}/revoke/"],
        administrator: ["/certificates/", "/audit/", "/practitioners/import/"],
    }  # fmt: skip
    checked = 0
    for user, urls in pages.items():
        page.context.clear_cookies()
        if user is not None:
            log_in(page, user.username)
        for url in urls:
            response = page.goto(url)
            assert response.status == 200, url
            for tab in page.get_by_role("tab").all():  # fields on hidden tabs count too
                tab.click()
                assert page.evaluate(UNLABELLED) == [], f"{url}: inputs without a label"
            assert page.evaluate(UNLABELLED) == [], f"{url}: inputs without a label"
            checked += page.evaluate("document.querySelectorAll('input:not([type=hidden]), select, textarea').length")
    assert checked > 50


def test_without_javascript_the_record_form_still_offers_a_new_period_row(browser, live_server, front_desk):
    context = browser.new_context(base_url=live_server.url, locale="en-GB", java_script_enabled=False)
    try:
        tab = context.new_page()
        log_in(tab, front_desk.username)
        tab.goto("/practitioners/new/")
        expect(tab.get_by_role("button", name="Add a period")).to_be_hidden()
        expect(tab.locator("#add-period-without-script")).to_be_visible()
        expect(tab.locator("tr.period-row")).to_have_count(1)
    finally:
        context.close()
