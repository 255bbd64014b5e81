"""The production stack without Docker: gunicorn, a Celery worker and Celery beat, as docker-compose.yml
runs them, on the local PostgreSQL (the test database) and Redis (database 7, flushed), mailing an
SMTP sink.

One test walks the path a practice takes: log in over HTTP (session and CSRF cookies, as a browser
behind the HTTPS proxy), upload a keystore whose certificate expires within 3 months, let beat run
the daily scan, see the reminder arrive in the sink, and see /healthz report a healthy stack.

The processes use the production settings with DEBUG off, through a settings module written to
the test's temporary folder that changes only two things: static files are collected there, and
beat schedules the scan every 2 seconds instead of daily at 07:00. Every process is stopped when
the test ends, passed or failed.
"""
from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
import redis
from cryptography.fernet import Fernet
from django.contrib.auth.hashers import make_password
from django.db import connection

from api.models import Scope
from api.services import create_token
from ehealth_certs.models import Reminder
from tests.requires import redis_available, require_service
from tests.smtp_sink import free_port
from tests.ehealth_certs.keystores import PASSWORD, person_keystore

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

PROJECT = Path(__file__).resolve().parent.parent
REDIS_URL = "redis://127.0.0.1:6379/7"
START_TIMEOUT = 40  # seconds for every process to be ready (includes collectstatic)

SMOKE_SETTINGS = '''\
from datetime import timedelta

from oxygen.settings import *  # noqa: F403

STATIC_ROOT = {static_root!r}
CELERY_BEAT_SCHEDULE = {{
    **CELERY_BEAT_SCHEDULE,
    "ehealth-expiry-scan": {{**CELERY_BEAT_SCHEDULE["ehealth-expiry-scan"], "schedule": timedelta(seconds=2)}},
}}
'''




class Stack:
    """The processes of docker-compose.yml (web, worker, beat), started and always stopped."""

    def __init__(self, tmp_path: Path, sink_url: str):
        database = connection.settings_dict
        password = f":{database['PASSWORD']}" if database["PASSWORD"] else ""
        ca_bundle = tmp_path / "ehealth-production.pem"
        from tests import pki

        ca_bundle.write_bytes(pki.production_pki().bundle_pem())
        (tmp_path / "smoke_settings.py").write_text(SMOKE_SETTINGS.format(static_root=str(tmp_path / "static")))
        self.port = free_port()
        self.tmp_path = tmp_path
        self.processes: dict[str, subprocess.Popen] = {}
        self.environment = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(tmp_path), str(PROJECT)]),
            "DJANGO_SETTINGS_MODULE": "smoke_settings",
            "DEBUG": "False",
            "SECRET_KEY": "smoke-test-" + uuid.uuid4().hex + uuid.uuid4().hex,
            "KEYSTORE_ENCRYPTION_KEY": Fernet.generate_key().decode(),
            "ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": f"postgres://{database['USER']}{password}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
            "CACHE_URL": REDIS_URL,
            "CELERY_BROKER_URL": REDIS_URL,
            "EMAIL_URL": sink_url,
            "EHEALTH_ENVIRONMENT": "production",
            "EHEALTH_CA_BUNDLE_PRODUCTION": str(ca_bundle),
            "SITE_URL": f"https://127.0.0.1:{self.port}",
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_WORKERS": "2",
            "LOG_FORMAT": "json",
        }

    def run(self, name: str, *command: str) -> subprocess.Popen:
        log = self.tmp_path / f"{name}.log"
        process = subprocess.Popen(
            command, cwd=PROJECT, env=self.environment, stdout=log.open("wb"), stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        process.log = log
        self.processes[name] = process
        return process

    def start(self) -> None:
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=PROJECT, env=self.environment, check=True, timeout=START_TIMEOUT,
        )  # fmt: skip
        celery = [sys.executable, "-m", "celery", "-A", "oxygen"]
        # The commands of docker/entrypoint.sh and docker-compose.yml.
        self.run("web", sys.executable, "-m", "gunicorn", "oxygen.wsgi", "--config", "docker/gunicorn.conf.py")
        self.run("worker", *celery, "worker", "-l", "info", "--concurrency=1", "--hostname=smoke@%h")
        self.run("beat", *celery, "beat", "-l", "info", "--schedule", str(self.tmp_path / "celerybeat-schedule"))
        self.wait_for_log("worker", rb" ready\.")
        self.wait_for_log("beat", rb"beat: Starting")
        self.wait_for_log("web", rb"Booting worker", count=2)

    def wait_for_log(self, name: str, pattern: bytes, count: int = 1) -> None:
        process = self.processes[name]
        deadline = time.monotonic() + START_TIMEOUT
        while len(re.findall(pattern, process.log.read_bytes())) < count:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"{name} did not start:\n{self.logs(name)}")
            time.sleep(0.1)

    def logs(self, *names: str) -> str:
        names = names or tuple(self.processes)
        return "\n".join(f"--- {name}\n{self.processes[name].log.read_text(errors='replace')[-3000:]}" for name in names)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


class Browser:
    """HTTP as a browser behind the HTTPS proxy: cookies kept, CSRF token sent back, no redirect followed."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        connection_ = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
        sent = {
            "Host": f"127.0.0.1:{self.port}",
            "X-Forwarded-Proto": "https",
            "Origin": f"https://127.0.0.1:{self.port}",
            **({"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}),
            **(headers or {}),
        }
        try:
            connection_.request(method, path, body=body, headers=sent)
            response = connection_.getresponse()
            content = response.read()
        finally:
            connection_.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response, content

    def csrf_token(self, path: str) -> str:
        response, content = self.request("GET", path)
        assert response.status == 200, (path, response.status)
        return re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', content).group(1).decode()

    def post_form(self, path: str, fields: dict[str, str], files: dict[str, tuple[str, bytes]] | None = None):
        fields = {"csrfmiddlewaretoken": self.csrf_token(path), **fields}
        boundary = uuid.uuid4().hex
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
            for name, value in fields.items()
        ]
        for name, (file_name, data) in (files or {}).items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{file_name}"\r\n'
                f"Content-Type: application/x-pkcs12\r\n\r\n".encode() + data + b"\r\n"
            )
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self.request("POST", path, body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})


@pytest.fixture
def stack(tmp_path, smtp_sink):  # noqa: F811  (the fixture imported above)
    require_service(connection.vendor == "postgresql", "PostgreSQL (set DATABASE_URL)")
    require_service(redis_available(REDIS_URL), "Redis on 127.0.0.1:6379")
    redis.Redis.from_url(REDIS_URL).flushdb()
    started = Stack(tmp_path, smtp_sink.url)
    try:
        started.start()
        yield started
    finally:
        started.stop()
        redis.Redis.from_url(REDIS_URL).flushdb()


def test_log_in_upload_scan_and_the_reminder_arrives(stack, smtp_sink, practitioner_user, practitioner_record):  # noqa: F811
    # The stack runs production settings, which read no MD5 hash (tests/settings.py hashes with MD5).
    practitioner_user.password = make_password("correct horse battery", hasher="pbkdf2_sha256")
    practitioner_user.save(update_fields=["password"])
    browser = Browser(stack.port)

    response, _ = browser.post_form("/accounts/login/", {"username": "jan", "password": "correct horse battery"})
    assert response.status == 302 and response.headers["Location"] == "/", stack.logs("web")
    assert "sessionid" in browser.cookies

    upload = f"/practitioners/{practitioner_record.public_id}/certificate/"
    keystore = person_keystore(not_after_days=60)  # inside the 3-month renewal window
    response, content = browser.post_form(upload, {"password": PASSWORD}, {"keystore": ("jan.p12", keystore)})
    assert response.status == 302, (response.status, content[-2000:], stack.logs("web"))
    assert response.headers["Location"].startswith(upload)

    # Beat enqueues the scan every 2 s; the worker records the reminder and delivers it.
    [mail] = smtp_sink.wait_for(1, timeout=30)
    reminder = Reminder.objects.get()
    assert mail.envelope_to == ["jan.peeters@example.be"]
    assert mail.message_id == reminder.message_id
    assert practitioner_record.get_absolute_url() in mail.body()

    deadline = time.monotonic() + 10
    while Reminder.objects.get().state != "sent" and time.monotonic() < deadline:
        time.sleep(0.1)
    response, content = browser.request("GET", "/healthz")
    health = json.loads(content)
    assert response.status == 200, (health, stack.logs())
    assert health["checks"]["database"] == {"status": "ok"}
    assert health["checks"]["redis"] == {"status": "ok"}
    assert health["checks"]["scan"]["status"] == "ok"
    assert health["checks"]["reminders"] == {"status": "ok", "pending": 0, "failed": 0}
    time.sleep(2.5)  # another scan: nothing new is sent
    assert len(smtp_sink.messages) == 1

    # The billing program asks, with its token, what the record page shows; its limit is counted in Redis.
    token = create_token(name="Billing", scopes=list(Scope), requests_per_minute=2, actor=None).text
    billing = Browser(stack.port)
    bearer = {"Authorization": f"Bearer {token}"}
    base = f"/api/v1/practitioners/{practitioner_record.public_id}"
    response, content = billing.request("GET", f"{base}/certificate", headers=bearer)
    certificate = json.loads(content)
    assert response.status == 200, (content, stack.logs("web"))
    assert (certificate["status"], certificate["usable"], certificate["in_renewal_window"]) == ("expiring", True, True)
    response, content = billing.request("GET", f"{base}/inami?on=2026-03-01", headers=bearer)
    assert response.status == 404 and json.loads(content)["code"] == "not_found"  # the record has no INAMI period
    response, content = billing.request("GET", f"{base}/certificate", headers=bearer)
    assert response.status == 429 and int(response.headers["Retry-After"]) >= 1, content
