"""Browser journeys: Playwright drives Debian's Chromium against the app on a free localhost port.

One browser for the whole ``tests/e2e`` package (package scope), a fresh context per test. The app
is pytest-django's ``live_server`` (in-process, so ``settings`` overrides apply; it serves static
files as ``django.contrib.staticfiles`` is installed). Each journey ends with a screenshot under
``test-artifacts/``. Chromium missing is a failure, not a skip: ``bin/test`` installs it.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
PASSWORD = "correct horse battery"  # tests.conftest.make_user's
TIMEOUT_MS = 5000


@pytest.fixture(scope="package")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: bin/test installs Debian's chromium package", pytrace=False)
    from playwright.sync_api import sync_playwright

    # Playwright's synchronous API keeps an idle event loop registered on this thread while it
    # runs, which Django takes for an async context. The ORM calls of these tests are plain
    # synchronous ones: allow them for this package only (the browser stops before other tests).
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser, live_server):
    """A tab in a fresh browser profile, in English, that fails the test on any JavaScript error."""
    context = browser.new_context(base_url=live_server.url, locale="en-GB", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.on("console", lambda message: errors.append(message.text) if _is_console_error(message) else None)
    tab.on("response", lambda response: errors.append(f"{response.status} {response.url}") if _is_broken_asset(response) else None)
    yield tab
    context.close()
    assert not errors, f"JavaScript errors, CSP violations or missing assets in the browser: {errors}"


def _is_console_error(message) -> bool:
    # a missing asset is reported by _is_broken_asset, with its address
    return message.type == "error" and not message.text.startswith("Failed to load resource")


def _is_broken_asset(response) -> bool:
    """A script, style sheet or image that did not load (Chromium's own favicon request aside)."""
    return (
        response.status >= 400
        and response.request.resource_type != "document"
        and not response.url.endswith("/favicon.ico")
    )


def screenshot(page, name: str) -> Path:
    """Keep the page as it looks now: test-artifacts/<name>.png."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 0
    return path


def on_main_screen(url: str) -> bool:
    return urlsplit(url).path == "/"


# A person points at a field before typing in it. Playwright's click() waits until the element
# itself would receive the click (nothing covering it, not squeezed away) and never uses ``force``
# here; fill() and select_option() alone would reach a field no mouse can reach.


def type_into(field, text: str) -> None:
    """Click the field, then type (what was in it is replaced, as after a triple click)."""
    field.click()
    field.fill(text)


def choose(field, label: str) -> None:
    """Click the drop-down list, then pick the option a person reads."""
    field.click()
    field.select_option(label=label)


def pick_file(page, field, path) -> None:
    """Click the file field and answer the file chooser that opens."""
    with page.expect_file_chooser() as chooser:
        field.click()
    chooser.value.set_files(path)


def log_in(page, username: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    type_into(page.get_by_label("Username"), username)
    type_into(page.get_by_label("Password"), password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(on_main_screen)


@pytest.fixture
def practitioner_user(practitioner_user):
    """The journeys read English: this practitioner chose it (their record says Dutch, which the
    interface would otherwise switch to at login)."""
    from practitioners.models import UserPreference

    UserPreference.objects.create(user=practitioner_user, language="en")
    return practitioner_user
