"""An administrator gives a program access and takes it back, as a person does it: in French on a
phone (create a token, see it once, copy it, revoke it after the confirmation), and the list in Dutch
on a desktop. Each screen is checked for overflow and covered controls (tests/e2e/layout.py) and
kept under test-artifacts/."""
from __future__ import annotations

import hashlib
import re

import pytest
from playwright.sync_api import expect

from api import services
from api.models import Scope, ServiceToken
from audit.models import AuditEvent, EventKind
from tests.e2e.layout import layout_problems
from tests.e2e.steps import PASSWORD, TIMEOUT_MS, screenshot, type_into

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture
def open_tab(browser, live_server):
    """A tab in ``language`` at a window size, failing the test on a JavaScript error, a CSP violation
    or an asset that does not load (as the ``page`` fixture, in another language and size)."""
    contexts, errors = [], []

    def open_(language: str, viewport: dict):
        context = browser.new_context(base_url=live_server.url, locale=f"{language}-BE", viewport=viewport, reduced_motion="reduce")
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        tab = context.new_page()
        tab.on("pageerror", lambda error: errors.append(str(error)))
        tab.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        tab.on("response", lambda response: errors.append(f"{response.status} {response.url}")
               if response.status >= 400 and response.request.resource_type != "document" else None)
        return tab

    yield open_
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors, CSP violations or missing assets in the browser: {errors}"


def log_in(tab, username: str, *, username_label: str, password_label: str, button: str) -> None:
    tab.goto("/accounts/login/")
    type_into(tab.get_by_label(username_label), username)
    type_into(tab.get_by_label(password_label), PASSWORD)
    tab.get_by_role("button", name=button).click()
    tab.wait_for_url(re.compile(r"/$"))


def fits(tab, name: str) -> None:
    """Keep the screen, then check that nothing sticks out of the window and every control is reachable."""
    screenshot(tab, name)
    problems, _reached = layout_problems(tab)
    assert not problems, f"{name}: {problems}"


def test_an_administrator_gives_a_program_access_on_a_phone_in_french_then_revokes_it(open_tab, administrator):
    tab = open_tab("fr", PHONE)
    tab.context.grant_permissions(["clipboard-read", "clipboard-write"])
    log_in(tab, administrator.username, username_label="Nom d’utilisateur", password_label="Mot de passe", button="Se connecter")
    expect(tab.locator("html")).to_have_attribute("lang", "fr")

    tab.locator("nav .navbar-toggler").click()
    tab.get_by_role("link", name="Accès des logiciels").click()
    expect(tab.get_by_role("heading", name="Accès des logiciels")).to_be_visible()
    tab.get_by_role("link", name="Nouveau jeton").click()

    type_into(tab.get_by_label("Nom"), "Facturation")
    tab.get_by_label("Statut du certificat eHealth").click()
    expect(tab.get_by_label("Registre des prestataires (fiches, numéros INAMI, FHIR)")).to_be_checked()
    expect(tab.get_by_label("Appels par minute")).to_have_value("600")
    fits(tab, "tokens-1-fr-390-new-token")
    tab.get_by_role("button", name="Créer le jeton").click()

    expect(tab.get_by_text("Copiez-le maintenant : il ne sera plus affiché.")).to_be_visible()
    shown = tab.locator("#token-text")
    expect(shown).to_be_visible()
    text = shown.inner_text().strip()
    token = ServiceToken.objects.get()
    assert hashlib.sha256(text.encode()).hexdigest() == token.token_hash
    assert token.scopes == {Scope.REGISTRY, Scope.CERTIFICATES} and token.requests_per_minute == 600
    copy = tab.get_by_role("button", name="Copier le jeton")
    expect(copy).to_be_visible()
    copy.click()
    expect(tab.get_by_role("status")).to_have_text("Copié")
    assert tab.evaluate("navigator.clipboard.readText()") == text
    expect(tab.get_by_text("Authorization: Bearer")).to_be_visible()
    fits(tab, "tokens-2-fr-390-token-shown-once")

    tab.get_by_role("link", name="Retour à l'accès des logiciels").click()
    row = tab.locator("#service-tokens tbody tr", has_text="Facturation")
    expect(row).to_contain_text(token.prefix + "…")
    expect(row).to_contain_text("jamais")
    assert text not in tab.content()
    fits(tab, "tokens-3-fr-390-list")

    row.get_by_role("link", name="Révoquer").click()
    expect(tab.get_by_role("heading", name="Révoquer le jeton « Facturation » ?")).to_be_visible()
    expect(tab.get_by_text("seront refusés immédiatement")).to_be_visible()
    fits(tab, "tokens-4-fr-390-revoke-confirmation")
    tab.get_by_role("button", name="Révoquer le jeton").click()

    expect(tab.get_by_role("alert")).to_have_text(
        "Le jeton « Facturation » est révoqué : les appels avec ce jeton sont refusés dès maintenant."
    )
    expect(row).to_have_attribute("data-revoked", "true")
    expect(row.get_by_role("link", name="Révoquer")).to_have_count(0)
    token.refresh_from_db()
    assert token.is_revoked and token.revoked_by == administrator and services.token_for(text) is None
    assert AuditEvent.objects.filter(kind=EventKind.SERVICE_TOKEN_REVOKED, user=administrator).count() == 1
    fits(tab, "tokens-5-fr-390-revoked")


def test_the_list_in_dutch_on_a_desktop(open_tab, administrator):
    billing = services.create_token(name="Facturatie", scopes=list(Scope), requests_per_minute=600, actor=administrator).token
    services.record_use(billing, "192.0.2.10")
    old = services.create_token(name="Oude agenda", scopes=[Scope.REGISTRY], requests_per_minute=60, actor=administrator).token
    services.revoke_token(old, actor=administrator)

    tab = open_tab("nl", DESKTOP)
    log_in(tab, administrator.username, username_label="Gebruikersnaam", password_label="Wachtwoord", button="Aanmelden")
    expect(tab.locator("html")).to_have_attribute("lang", "nl")
    tab.get_by_role("link", name="Toegang voor programma's").click()
    rows = tab.locator("#service-tokens tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Facturatie")
    expect(rows.first).to_contain_text("192.0.2.10")
    expect(rows.first).to_contain_text("Status van het eHealth-certificaat")
    expect(rows.last).to_contain_text("ingetrokken")
    expect(rows.last).to_have_class(re.compile("table-secondary"))
    expect(tab.get_by_role("columnheader", name="Begint met")).to_be_visible()
    fits(tab, "tokens-6-nl-1366-list")


def test_the_api_documentation_works_in_the_browser_under_the_sites_csp(open_tab, administrator, practitioner_record):
    """A developer of the practice's billing program reads the documentation and tries the list with
    their session (Swagger UI from the site's own static files: no CSP violation, no missing asset)."""
    tab = open_tab("fr", DESKTOP)
    log_in(tab, administrator.username, username_label="Nom d’utilisateur", password_label="Mot de passe", button="Se connecter")
    tab.goto("/api/v1/docs")
    expect(tab.get_by_role("heading", name=re.compile("Oxygen practitioner registry"))).to_be_visible()
    expect(tab.locator('.opblock-summary-path[data-path="/api/v1/practitioners/{public_id}/inami"]')).to_be_visible()
    listing = tab.locator(".opblock").filter(has=tab.locator('.opblock-summary-path[data-path="/api/v1/practitioners"]'))
    listing.locator(".opblock-summary-path").click()
    listing.get_by_role("button", name="Try it out").click()
    listing.get_by_role("button", name="Execute").click()
    expect(listing.locator(".live-responses-table tbody .response-col_status")).to_have_text("200")
    expect(listing.locator(".live-responses-table tbody .response-col_description")).to_contain_text("Peeters")
    screenshot(tab, "api-docs-fr-1366-try-the-list")
