"""Every page, for every role allowed to see it, at desktop and phone width, in Chromium, in French and Dutch.

A page fails when the document is wider than the window, or when a visible control is covered by
another element (hit-test at its centre after scrolling it into view) or squeezed to nothing. Each
tab of a page is clicked and checked too. The pages are the URLconf's, as tests/url_matrix.py
enumerates them, filled with a world holding certificates in several states. Every screen is kept
under test-artifacts/screens/<language>/ with a contact sheet (tests/e2e/screens.py).
"""
from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Callable

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from api import services as api_services
from api.models import Scope
from ehealth_certs.lifecycle import keystore_import, password_change, renewal, revocation
from ehealth_certs.reminders import scan
from ehealth_certs.models import RenewalStep, RevocationReason
from oxygen.errors import Refused
from practitioners.demo import make_niss
from tests.e2e.steps import ARTIFACTS, PASSWORD as LOGIN_PASSWORD
from tests.ehealth_certs.keystores import NOW, OTHER_SSIN, PASSWORD, person_keystore
from tests.factories import add_period, make_practitioner
from tests.url_matrix import EXPECTED, ROLES, url_for
from tests.e2e.layout import layout_problems
from tests.e2e.screens import ContactSheet

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("ehealth_settings")]

WINDOWS = {1366: 900, 390: 844}
# what a person reads on the buttons and labels this test uses, per interface language
WORDS = {
    "fr": {"username": "Nom d’utilisateur", "password": "Mot de passe", "log_in": "Se connecter",
           "log_out": "Se déconnecter", "save": "Enregistrer", "language": "French",
           "switcher": "français", "code": "fr"},
    "nl": {"username": "Gebruikersnaam", "password": "Wachtwoord", "log_in": "Aanmelden",
           "log_out": "Afmelden", "save": "Opslaan", "language": "Dutch",
           "switcher": "Nederlands", "code": "nl"},
}  # fmt: skip
SCREENS = ARTIFACTS / "screens"
# URLs that answer with something other than a page a person looks at (files are recognised as
# downloads and left out on their own: see look_at)
NOT_PAGES = {
    "healthz": "JSON for load balancers",
    "ehealth_certs:download_file": "the keystore file, once: taking it would close the download page",
    **{name: "JSON for other programs (docs/api.md)" for name in EXPECTED if name.startswith(("api-v1:", "fhir:", "fhir_", "api_"))
       and name != "api-v1:openapi-view"},
}


@dataclass(frozen=True)
class Visit:
    page: str  # the screenshot's name
    role: str
    url: str
    status: int = 200
    then: Callable | None = None  # what a person does before looking (e.g. submit the empty form)
    widths: tuple[int, ...] = tuple(WINDOWS)


@dataclass
class World:
    kwargs: dict
    revoked_record: object
    revoked_certificate: object
    expired_record: object
    expired_certificate: object


@pytest.fixture
def world(front_desk, administrator, practitioner_user, practitioner_record, other_practitioner_user, other_record) -> World:
    """A: two INAMI periods, a certificate in its renewal window with a step ticked, a pending download,
    a refused import. B: a revoked certificate. C: an expired one. A few more records for the list.
    Two service tokens: one used from an IPv6 address, one revoked (a long name)."""
    add_period(practitioner_record, end_date=datetime.date(2019, 12, 31), conventioned=False)
    add_period(practitioner_record, start_date=datetime.date(2020, 1, 1))
    with pytest.raises(Refused):
        keystore_import.import_keystore(practitioner_record, person_keystore(), "not-the-password", source_name="a.p12")
    current = keystore_import.import_keystore(
        practitioner_record, person_keystore(not_after_days=20), PASSWORD, source_name="SSIN=85073003328 20250314-101500.p12"
    ).certificate
    assert renewal.tick_step(current, RenewalStep.RENEW, actor=practitioner_user)
    token = password_change.create_download(practitioner_user, practitioner_record, person_keystore(), "a.p12")

    revoked = keystore_import.import_keystore(other_record, person_keystore(ssin=OTHER_SSIN), PASSWORD, source_name="b.p12").certificate
    revocation.revoke_certificate(
        revoked,
        revocation.Revocation(RevocationReason.KEYSTORE_LOST, NOW.date(), "Ordinateur volé au cabinet"),
        actor=administrator,
    )

    birth = datetime.date(1979, 11, 3)
    expired_record = make_practitioner(
        last_name="Van den Broeck-Vandenberghe", first_names="Anne-Catherine Marie", birth_date=birth, sex="F",
        niss=make_niss(birth, "F", 4), email="anne-catherine.vandenbroeck@kinesitherapie-example.be", language="fr",
    )
    expired = keystore_import.import_keystore(
        expired_record, person_keystore(ssin=expired_record.niss, not_before_days=-400, not_after_days=-3), PASSWORD,
        source_name="c.p12", now=NOW - datetime.timedelta(days=30),
    ).certificate
    assert current is not None and expired is not None
    for index, name in enumerate(("Janssens", "Maes", "Jacobs", "Mertens", "Willems"), start=1):
        make_practitioner(last_name=name, first_names="Test", birth_date=datetime.date(1980 + index, 1, 1),
                          sex="M", niss=make_niss(datetime.date(1980 + index, 1, 1), "M", index), email="")
    scan.scan_expiring()
    tokens = [
        api_services.create_token(name=name, scopes=scopes, requests_per_minute=rate, actor=administrator).token
        for name, scopes, rate in (("Facturation", list(Scope), 600), ("Agenda en ligne de la pratique", [Scope.REGISTRY], 100_000))
    ]
    api_services.record_use(tokens[0], "2001:db8:85a3::8a2e:370:7334")
    api_services.revoke_token(tokens[1], actor=administrator)
    kwargs = {
        "public_id": practitioner_record.public_id, "certificate_id": current.public_id, "token": token,
        "token_id": tokens[0].public_id,
    }
    return World(kwargs, other_record, revoked, expired_record, expired)


def submit_empty_form(tab, words: dict[str, str]) -> None:
    tab.locator("main form[method=post]").get_by_role("button", name=words["save"], exact=True).click()
    expect(tab.get_by_role("alert").first).to_be_visible()


def submit(form: str) -> Callable:
    """Send the form empty, as a hurried person would: the page then shows its errors."""

    def send(tab, words: dict[str, str]) -> None:
        tab.locator(form).locator("[type=submit]").first.click()
        expect(tab.locator(f"{form} .invalid-feedback, .alert-danger").first).to_be_visible()

    return send


def open_menu(tab, words: dict[str, str]) -> None:
    tab.locator("nav .navbar-toggler").click()
    expect(tab.get_by_role("button", name=words["log_out"])).to_be_visible()


def visits(world: World) -> list[Visit]:
    """Every page of the URLconf for each role the access matrix lets see it, then pages in other states."""
    planned = []
    for name in sorted(EXPECTED):
        if name in NOT_PAGES:
            continue
        for role in ROLES:
            if EXPECTED[name]["GET"][role] == 200:
                planned.append(Visit(name.replace(":", "-"), role, url_for(name, world.kwargs)))
    revoked = {**world.kwargs, "public_id": world.revoked_record.public_id, "certificate_id": world.revoked_certificate.public_id}
    expired = {**world.kwargs, "public_id": world.expired_record.public_id, "certificate_id": world.expired_certificate.public_id}
    planned += [Visit("dashboard-menu", role, "/", then=open_menu, widths=(390,)) for role in ROLES if role != "anonymous"]
    for role in ("front_desk", "administrator"):
        planned += [
            Visit("practitioners-detail-revoked", role, url_for("practitioners:detail", revoked)),
            Visit("practitioners-detail-expired", role, url_for("practitioners:detail", expired)),
            Visit("practitioners-create-errors", role, url_for("practitioners:create", {}), then=submit_empty_form),
            Visit("practitioners-list-search", role, url_for("practitioners:list", {}) + "?q=zzz"),
        ]
    for name, form in (("ehealth_certs:upload", "#keystore-upload"), ("ehealth_certs:revoke", "#revoke-form"),
                       ("ehealth_certs:password", "#password-change-form"), ("practitioners:import", "main form[method=post]"),
                       ("api:service_token_create", "#token-form")):
        role = "administrator" if name in ("practitioners:import", "api:service_token_create") else "practitioner_a"
        planned.append(Visit(f"{name.replace(':', '-')}-errors", role, url_for(name, world.kwargs), then=submit(form)))
    planned += [
        Visit("ehealth_certs-detail-revoked", "administrator", url_for("ehealth_certs:detail", revoked)),
        Visit("ehealth_certs-detail-expired", "administrator", url_for("ehealth_certs:detail", expired)),
        Visit("ehealth_certs-upload-expired", "administrator", url_for("ehealth_certs:upload", expired)),
        Visit("error-404", "anonymous", "/nulle-part/", status=404),
        Visit("error-404", "front_desk", "/practitioners/00000000-0000-4000-8000-000000000000/", status=404),
        Visit("error-403", "front_desk", url_for("ehealth_certs:upload", world.kwargs), status=403),
    ]
    return planned


@pytest.mark.parametrize("language", sorted(WORDS))
def test_every_page_fits_the_window_and_every_control_can_be_clicked(browser, live_server, world, users_by_role, language):
    assert set(NOT_PAGES) <= set(EXPECTED), "NOT_PAGES names URLs that no longer exist"
    planned = visits(world)
    assert {visit.page for visit in planned} >= {
        name.replace(":", "-") for name in EXPECTED if name not in NOT_PAGES and 200 in EXPECTED[name]["GET"].values()
    }
    sheet = ContactSheet(SCREENS / language)
    failures: list[str] = []
    checked = 0
    try:
        for role in ROLES:
            role_visits = [visit for visit in planned if visit.role == role]
            if not role_visits:
                continue
            state = None
            for width, height in WINDOWS.items():
                context = browser.new_context(
                    base_url=live_server.url, locale=f"{language}-BE", viewport={"width": width, "height": height},
                    reduced_motion="reduce", storage_state=state,
                )
                context.set_default_timeout(5000)
                tab = context.new_page()
                if state is None and users_by_role[role] is not None:
                    log_in(tab, users_by_role[role].username, WORDS[language])
                state = context.storage_state()
                for visit in (visit for visit in role_visits if width in visit.widths):
                    checked += look_at(tab, visit, width, sheet, failures, WORDS[language])
                context.close()
    finally:
        index = sheet.write_index()
    assert checked > 500, f"only {checked} controls reached: the pages did not render their forms"
    assert not failures, f"{len(failures)} screens with layout problems (all of them: {index}):\n" + "\n".join(failures)


def look_at(tab, visit: Visit, width: int, sheet: ContactSheet, failures: list[str], words: dict[str, str]) -> int:
    """Open the page, check it and each of its tabs, keep a screenshot of each; the controls reached."""
    where = f"{visit.page} as {visit.role} at {width} px in {words['language']}"
    try:
        response = tab.goto(visit.url)
    except PlaywrightError as error:
        if "Download is starting" in str(error):  # a CSV or keystore file: nothing to lay out
            return 0
        raise
    if response is None or response.status != visit.status:
        failures.append(f"{where}: HTTP {response and response.status}, expected {visit.status}")
        return 0
    if visit.then is not None:
        visit.then(tab, words)
    problems, reached = layout_problems(tab)
    shot = sheet.take(tab, page=visit.page, role=visit.role, width=width, problems=problems)
    report(failures, f"{where} [{shot.path.relative_to(sheet.folder)}]", problems)
    for index in range(tab.get_by_role("tab").count()):
        pane = tab.get_by_role("tab").nth(index)
        if pane.get_attribute("aria-selected") == "true" or not pane.is_visible():
            continue
        name = pane.inner_text().strip()
        try:
            pane.click(timeout=2000)
            expect(pane).to_have_attribute("aria-selected", "true")
        except (PlaywrightError, AssertionError) as error:
            failures.append(f"{where}: the tab {name!r} cannot be clicked ({str(error).splitlines()[0]})")
            continue
        tab_problems, tab_reached = layout_problems(tab)
        reached += tab_reached
        page_name = f"{visit.page}~{re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')}"
        shot = sheet.take(tab, page=page_name, role=visit.role, width=width, problems=tab_problems)
        report(failures, f"{where}, tab {name!r} [{shot.path.relative_to(sheet.folder)}]", tab_problems)
    return reached


def report(failures: list[str], where: str, problems: list[str], shown: int = 4) -> None:
    """One entry per screen: where, then its first problems (all of them are on the contact sheet)."""
    if problems:
        more = f"\n    ... and {len(problems) - shown} more" if len(problems) > shown else ""
        failures.append(where + "".join(f"\n    {problem}" for problem in problems[:shown]) + more)


def log_in(tab, username: str, words: dict[str, str]) -> None:
    tab.goto("/accounts/login/")
    tab.get_by_label(words["username"]).fill(username)
    tab.get_by_label(words["password"]).fill(LOGIN_PASSWORD)
    tab.get_by_role("button", name=words["log_in"]).click()
    # the interface may open in the user's own language: the switcher in the footer wins
    tab.locator("footer").get_by_role("button", name=words["switcher"], exact=True).click()
    expect(tab.locator("html")).to_have_attribute("lang", words["code"])
    expect(tab.get_by_role("button", name=words["log_out"])).to_be_attached()


@pytest.fixture
def users_by_role(front_desk, administrator, practitioner_user, other_practitioner_user) -> dict:
    return {"anonymous": None, "front_desk": front_desk, "practitioner_a": practitioner_user,
            "practitioner_b": other_practitioner_user, "administrator": administrator}  # fmt: skip
