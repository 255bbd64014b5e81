"""Hardening: security headers and CSP, production settings, login throttling, sessions, CSRF."""
import datetime
import json
import os
import re
import secrets
from pathlib import Path

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.urls import reverse

from practitioners.models import Practitioner
from tests.factories import record_post_data
from tests.production import production_env, run

BASE_DIR = Path(settings.BASE_DIR)
PASSWORD = "correct horse battery"  # tests.factories.make_user


# --- Headers -------------------------------------------------------------------------------------

def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


@pytest.mark.django_db
def test_every_security_header_is_on_a_real_page(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert directives(response["Content-Security-Policy"]) == {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    features = dict(item.strip().split("=", 1) for item in response["Permissions-Policy"].split(","))
    for feature in ("camera", "microphone", "geolocation", "usb"):
        assert features[feature] == "()"


def inline_code(html: str) -> list[str]:
    """Inline scripts, style elements and attributes, and event-handler attributes in `html`."""
    found = [m.group(0) for m in re.finditer(r"<script\b(?![^>]*\bsrc=)[^>]*>", html, re.I)]
    found += re.findall(r"<style\b[^>]*>", html, re.I)
    found += re.findall(r"\sstyle\s*=", html, re.I)
    found += re.findall(r"\son[a-z]+\s*=", html, re.I)
    return found


def project_templates() -> list[Path]:
    roots = [BASE_DIR / "templates", *BASE_DIR.glob("*/templates")]
    return sorted(path for root in roots for path in root.rglob("*.html") if ".venv" not in path.parts)


def test_the_pattern_finds_inline_code():
    assert len(inline_code('<script>alert(1)</script><p style="x" onclick="y"><style>p{}</style>')) == 4
    assert inline_code('<script src="/static/a.js"></script><p class="styled">') == []


def test_no_template_has_inline_script_or_style():
    templates = project_templates()
    assert BASE_DIR / "templates" / "base.html" in templates
    offenders = {str(path.relative_to(BASE_DIR)): inline_code(path.read_text()) for path in templates}
    assert {path: found for path, found in offenders.items() if found} == {}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    ["admin:index", "admin:auth_user_changelist", "admin:auth_user_add", "admin:audit_auditevent_changelist"],
)
def test_the_django_admin_needs_no_inline_code_under_the_csp(client, administrator, url):
    client.force_login(administrator)
    response = client.get(reverse(url))
    assert response.status_code == 200
    assert directives(response["Content-Security-Policy"])["script-src"] == ["'self'"]
    assert inline_code(response.content.decode()) == []


# --- Production settings ---------------------------------------------------------------------------

@pytest.mark.slow
def test_production_settings_pass_check_deploy_without_warnings(tmp_path):
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env(tmp_path))
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNINGS" not in output and "System check identified no issues" in output


PRODUCTION_PROBE = """
import django, json
django.setup()
from django.test import Client
client = Client(HTTP_HOST="example.be")
plain, secure = client.get("/"), client.get("/", secure=True)
print(json.dumps({"plain": [plain.status_code, plain.get("Location")],
                  "secure": [secure.status_code, dict(secure.headers)]}))
"""


@pytest.mark.slow
def test_production_redirects_to_https_and_sends_hsts(tmp_path):
    result = run(["-c", PRODUCTION_PROBE], production_env(tmp_path))
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["plain"] == [301, "https://example.be/"]
    status, headers = answer["secure"]
    assert status == 302
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"SECRET_KEY": None}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": "insecure-local-development-key-never-use-in-production"}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": "short-key"}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": "a" * 60}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": "abcde" * 11 + "abcd"}, "SECRET_KEY must be set"),  # 59 characters, 5 distinct
        ({"SECRET_KEY": "abcdefghijklmnopqrs" * 3}, "SECRET_KEY must be set"),  # 57 characters, 19 distinct
        # An in-process cache: each gunicorn worker would keep its own password counters.
        ({"CACHE_URL": None}, "CACHE_URL must name a cache shared by every process"),
        ({"CACHE_URL": "locmemcache://"}, "CACHE_URL must name a cache shared by every process"),
        ({"CACHE_URL": "dummycache://"}, "CACHE_URL must name a cache shared by every process"),
        ({"ALLOWED_HOSTS": "*"}, "ALLOWED_HOSTS must list"),
        ({"ALLOWED_HOSTS": "example.be,*"}, "ALLOWED_HOSTS must list"),
        # Activity recorded less often than sessions last would end active sessions.
        ({"SESSION_ACTIVITY_INTERVAL": "28800"}, "SESSION_ACTIVITY_INTERVAL must be"),
        ({"SESSION_ACTIVITY_INTERVAL": "0"}, "SESSION_ACTIVITY_INTERVAL must be"),
        ({"REMINDER_RETRY_BACKOFF": "0"}, "REMINDER_RETRY_BACKOFF must be"),
        ({"REMINDER_RETRY_BACKOFF": "1000"}, "REMINDER_RETRY_BACKOFF must be"),
    ],
)
@pytest.mark.slow
def test_production_settings_refuse_insecure_values(tmp_path, overrides, message):
    result = run(["manage.py", "check"], production_env(tmp_path, **overrides))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr


@pytest.mark.slow
def test_production_behind_a_proxy_with_no_proxy_counted_is_warned(tmp_path):
    result = run(["manage.py", "check", "--deploy"], production_env(tmp_path, TRUSTED_PROXY_COUNT="0"))
    assert "oxygen.W001" in result.stderr and "TRUSTED_PROXY_COUNT is 0" in result.stderr


def bare_env(**variables) -> dict[str, str]:
    """The environment of a checkout run with nothing set but `variables`."""
    env = {
        key: value for key, value in os.environ.items()
        if key not in {"DEBUG", "SECRET_KEY", "OXYGEN_DEMO", "CACHE_URL", "DATABASE_URL"}
        and not key.startswith(("KEYSTORE_", "DJANGO_"))
    }  # fmt: skip
    return {**env, "DJANGO_SETTINGS_MODULE": "oxygen.settings", **variables}


DEBUG_PROBE = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"


@pytest.mark.slow
def test_debug_is_off_without_an_environment_and_secrets_are_then_required():
    result = run(["-c", DEBUG_PROBE], bare_env())
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr
    result = run(["-c", DEBUG_PROBE], bare_env(SECRET_KEY=secrets.token_urlsafe(64), ALLOWED_HOSTS="example.be",
                                               CACHE_URL="redis://127.0.0.1:6379/1"))  # fmt: skip
    assert result.returncode != 0 and "KEYSTORE_ENCRYPTION_KEY must be set" in result.stderr


@pytest.mark.slow
def test_debug_alone_derives_no_keystore_key_from_the_public_development_key():
    result = run(["-c", DEBUG_PROBE], bare_env(DEBUG="True"))
    assert result.returncode != 0 and "KEYSTORE_ENCRYPTION_KEY must be set" in result.stderr


@pytest.mark.slow
def test_the_demo_starts_with_no_environment_and_says_its_keystore_key_is_public():
    result = run(["-c", DEBUG_PROBE], bare_env(OXYGEN_DEMO="True"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"
    check = run(["manage.py", "check"], bare_env(OXYGEN_DEMO="True"))
    assert check.returncode == 0, check.stderr
    assert "oxygen.W002" in check.stderr and "anyone who reads the code can decrypt them" in check.stderr


# --- Login throttling ------------------------------------------------------------------------------

def log_in(client, password, username="accueil", address="192.0.2.20"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


@pytest.mark.django_db
def test_five_wrong_passwords_lock_the_name_from_that_address_for_15_minutes(client, front_desk):
    start = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(4):
            assert log_in(client, "wrong").status_code == 200
        locked = log_in(client, "wrong")
        assert locked.status_code == 429
        page = locked.content.decode()
        assert "After 5 wrong passwords" in page and "blocked for 15 minutes" in page
        assert "Content-Security-Policy" in locked.headers

        assert log_in(client, PASSWORD).status_code == 429  # even the right password, during the lock
        assert log_in(Client(), PASSWORD, address="192.0.2.99").status_code == 302  # another address

        clock.shift(datetime.timedelta(minutes=14))
        assert log_in(client, PASSWORD).status_code == 429
        clock.shift(datetime.timedelta(minutes=1, seconds=1))
        response = log_in(client, PASSWORD)
        assert response.status_code == 302 and response.url == reverse("dashboard")


@pytest.mark.django_db
def test_a_successful_login_resets_the_count(client, front_desk):
    for _ in range(4):
        log_in(client, "wrong")
    assert log_in(client, PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        assert log_in(client, "wrong").status_code == 200
    assert log_in(client, "wrong").status_code == 429


@pytest.mark.django_db
def test_the_lockout_page_is_translated(client, front_desk):
    for _ in range(5):
        response = client.post(
            reverse("login"), {"username": "accueil", "password": "wrong"}, HTTP_ACCEPT_LANGUAGE="nl",
        )
    assert response.status_code == 429
    assert '<html lang="nl">' in response.content.decode()


@pytest.mark.django_db
def test_password_spraying_from_one_address_locks_the_address(client, front_desk):
    """Twenty wrong passwords from one address, four per user name: the address is locked for
    every name (even a right password), another address is not."""
    for number in range(19):
        assert log_in(client, "wrong", username=f"name-{number // 4}").status_code == 200
    locked = log_in(client, "wrong", username="name-4")
    assert locked.status_code == 429
    assert "After 20 wrong passwords from this computer, whatever the user names" in locked.content.decode()
    assert log_in(client, PASSWORD).status_code == 429
    assert log_in(Client(), PASSWORD, address="192.0.2.99").status_code == 302


@pytest.mark.django_db
def test_a_name_locked_from_an_address_leaves_the_address_to_other_names(client, front_desk):
    for _ in range(5):
        log_in(client, "wrong", username="someone")
    assert log_in(client, PASSWORD).status_code == 302


def test_a_proxy_s_forwarded_header_with_no_proxy_counted_is_logged_once(settings, caplog, monkeypatch):
    from django.test import RequestFactory

    from oxygen import security

    settings.TRUSTED_PROXY_COUNT = 0
    monkeypatch.setattr(security, "_warned_of_unconfigured_proxy", False)
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert security.client_ip(request) == "10.0.0.2"
    assert security.client_ip(request) == "10.0.0.2"
    warnings = [record for record in caplog.records if "TRUSTED_PROXY_COUNT is 0" in record.getMessage()]
    assert len(warnings) == 1


@pytest.mark.django_db
def test_an_overlong_user_name_is_throttled_under_its_first_150_characters(client):
    name = "x" * 5000
    for _ in range(4):
        assert log_in(client, "wrong", username=name).status_code == 200
    assert log_in(client, "wrong", username=name).status_code == 429
    assert AccessAttempt.objects.get(username__isnull=False).username == "x" * 150


# --- Sessions and CSRF -----------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_session_expires_after_session_cookie_age_without_activity(client, front_desk):
    age = datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    with time_machine.travel(datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.UTC), tick=False) as clock:
        client.force_login(front_desk)
        clock.shift(age + datetime.timedelta(minutes=1))
        response = client.get(reverse("dashboard"))
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.django_db
def test_activity_keeps_a_session_alive(client, front_desk):
    age = datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    with time_machine.travel(datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.UTC), tick=False) as clock:
        client.force_login(front_desk)
        for _ in range(2):
            clock.shift(age - datetime.timedelta(minutes=1))
            assert client.get(reverse("dashboard")).status_code == 200
        clock.shift(age + datetime.timedelta(minutes=1))
        assert client.get(reverse("dashboard")).status_code == 302


@pytest.mark.django_db
def test_logging_in_without_a_csrf_token_is_refused(front_desk):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "accueil", "password": PASSWORD})
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session

    token = client.get(reverse("login")).cookies["csrftoken"].value
    response = client.post(
        reverse("login"), {"username": "accueil", "password": PASSWORD, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302


@pytest.mark.django_db
def test_creating_a_practitioner_without_a_csrf_token_is_refused(front_desk):
    client = Client(enforce_csrf_checks=True)
    client.force_login(front_desk)
    response = client.post(reverse("practitioners:create"), record_post_data())
    assert response.status_code == 403
    assert not Practitioner.objects.exists()

    token = client.get(reverse("practitioners:create")).cookies["csrftoken"].value
    response = client.post(reverse("practitioners:create"), record_post_data(csrfmiddlewaretoken=token))
    assert response.status_code == 302 and Practitioner.objects.count() == 1


# --- Admin -----------------------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("query", ["niss__regex=(", "niss__iregex=[", "user__username__regex=a", "last_name__regex=Pe"])
def test_admin_refuses_regex_lookups_with_400(client, administrator, practitioner_record, query):
    administrator.is_superuser = True
    administrator.save()
    client.force_login(administrator)
    response = client.get(f"/admin/practitioners/practitioner/?{query}")
    assert response.status_code == 400
    assert "The request could not be read" in response.content.decode()


@pytest.mark.django_db
def test_admin_still_filters_with_ordinary_lookups(client, administrator, practitioner_record):
    administrator.is_superuser = True
    administrator.save()
    client.force_login(administrator)
    assert client.get("/admin/practitioners/practitioner/?niss__startswith=85").status_code == 200
