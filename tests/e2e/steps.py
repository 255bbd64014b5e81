"""What a person does in the browser: log in, click into a field and type, choose, pick a file; and
the screenshot each journey ends with (under ``test-artifacts/``)."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings

from tests.factories import USER_PASSWORD

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
PASSWORD = USER_PASSWORD
TIMEOUT_MS = 5000


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
