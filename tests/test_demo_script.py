"""What a newcomer meets with ./bin/demo: the port, the mails' links, the favicon, one language."""
from __future__ import annotations

import io
import os
import re
import subprocess
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client
from django.utils import translation

ROOT = Path(__file__).resolve().parent.parent


def test_the_readme_names_the_port_argument():
    assert "./bin/demo 8080" in (ROOT / "README.md").read_text()


@pytest.mark.slow
def test_the_demo_mails_link_to_the_demo_port(tmp_path):
    """bin/demo's SITE_URL follows its port argument (the mails are written with it)."""
    script = (ROOT / "bin" / "demo").read_text()
    # run bin/demo's own lines that set PORT and SITE_URL, with port 8080, and print SITE_URL
    lines = [line for line in script.splitlines() if line.startswith(("PORT=", "export SITE_URL="))]
    env = {key: value for key, value in os.environ.items() if key != "SITE_URL"}
    done = subprocess.run(["bash", "-c", "\n".join([*lines, 'echo "$SITE_URL"']), "demo", "8080"],
                          capture_output=True, text=True, env=env, check=True)
    assert done.stdout.strip() == "http://127.0.0.1:8080"
    assert script.index("export SITE_URL=") < script.index("send_expiry_reminders")


@pytest.mark.django_db
def test_every_page_names_a_favicon_that_exists():
    page = Client().get("/accounts/login/").content.decode()
    [href] = re.findall(r'<link rel="icon" href="([^"]+)"', page)
    assert href.endswith("favicon.svg") and finders.find("favicon.svg")
    not_found = Client().get("/no-such-page/").content.decode()
    assert '<link rel="icon"' in not_found


@pytest.mark.parametrize(("language", "expected"), [("fr", "L'application tourne"), ("nl", "De app draait")])
def test_the_demos_last_words_speak_the_shell_language(language, expected):
    out = io.StringIO()
    with translation.override(language):
        call_command("demo_ready", "http://127.0.0.1:8080/", "/tmp/demo folder/mails.txt", stdout=out)
    printed = out.getvalue()
    assert expected in printed and "http://127.0.0.1:8080/" in printed
    assert "http://127.0.0.1:8080/api/v1/docs" in printed
    assert "'/tmp/demo folder/mails.txt'" in printed
