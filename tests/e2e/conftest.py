"""Browser journeys: Playwright drives Debian's Chromium against the app on a free localhost port.

One browser for the whole ``tests/e2e`` package (package scope), a fresh context per test. The app
is pytest-django's ``live_server`` (in-process, so ``settings`` overrides apply; it serves static
files as ``django.contrib.staticfiles`` is installed). Each journey ends with a screenshot under
``test-artifacts/`` (tests/e2e/steps.py). Chromium missing is a failure, not a skip: ``bin/test`` installs it.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.e2e.steps import TIMEOUT_MS

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Every test here that drives Chromium is a ``browser`` test, and ``slow`` (it starts a process)."""
    here = Path(__file__).parent
    for item in items:
        if "browser" in item.fixturenames and here in item.path.parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)


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


@pytest.fixture
def practitioner_user(practitioner_user):
    """The journeys read English: this practitioner chose it (their record says Dutch, which the
    interface would otherwise switch to at login)."""
    from practitioners.models import UserPreference

    UserPreference.objects.create(user=practitioner_user, language="en")
    return practitioner_user
