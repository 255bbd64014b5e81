"""Shared by the benchmark scripts: project path, statistics, the bench database, machine facts.

Every script is run as ``.venv/bin/python bench/<name>.py`` from the project folder; importing
this module puts the project on ``sys.path`` first.
"""
from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
if str(PROJECT) not in sys.path:
    sys.path.insert(0, str(PROJECT))

PYTHON = sys.executable
BENCH_DATABASE = os.environ.get("BENCH_DATABASE", "oxygen_bench")
POSTGRES_SERVER = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
REDIS_SERVER = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379")
# A Redis database of its own: flushed by the benchmarks that use it.
BENCH_REDIS_DB = int(os.environ.get("BENCH_REDIS_DB", "13"))

# Production-like settings for processes serving the benchmarks (DEBUG off: the settings then
# demand a long SECRET_KEY and a Fernet key; these are benchmark-only values).
SECRET_KEY = "bench-only-secret-key-7Hq2Lw9Xz4Rt8Vn1Bc6Mk3Jp5Sd0Fg7Yu2Ie9Oa4-not-for-production"
KEYSTORE_ENCRYPTION_KEY = "YmVuY2gtb25seS1rZXktbmV2ZXItdXNlZC1pbi1wcm8="
# In-process setup and migrations: DEBUG on (it is off unless set), with the benchmark-only key.
DEVELOPMENT_ENVIRONMENT = {"DEBUG": "True", "KEYSTORE_ENCRYPTION_KEY": KEYSTORE_ENCRYPTION_KEY}


def database_url(name: str = BENCH_DATABASE) -> str:
    return f"{POSTGRES_SERVER}/{name}"


def server_environment(**extra: str) -> dict[str, str]:
    """The environment of a production-like process (gunicorn, Celery) on the bench database."""
    environment = dict(os.environ)
    environment.update(
        DEBUG="False",
        SECRET_KEY=SECRET_KEY,
        KEYSTORE_ENCRYPTION_KEY=KEYSTORE_ENCRYPTION_KEY,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="False",
        # BENCH_SERVER_DATABASE_URL: the servers' database URL, for A/B runs (e.g. ?conn_max_age=0).
        DATABASE_URL=os.environ.get("BENCH_SERVER_DATABASE_URL", database_url()),
        CACHE_URL=f"{REDIS_SERVER}/{BENCH_REDIS_DB}",
        CELERY_BROKER_URL=f"{REDIS_SERVER}/{BENCH_REDIS_DB}",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(PROJECT),
    )
    environment.update(extra)
    return environment


def setup_django(settings_module: str = "oxygen.settings", **env: str) -> None:
    """Configure Django in this process on the bench database (DEBUG stays on: no static manifest needed)."""
    os.environ.setdefault("DATABASE_URL", database_url())
    for key, value in DEVELOPMENT_ENVIRONMENT.items():
        os.environ.setdefault(key, value)
    for key, value in env.items():
        os.environ[key] = value
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    import django

    django.setup()


def recreate_database(name: str = BENCH_DATABASE) -> None:
    """Drop and create the bench database, then migrate it (never touches another database)."""
    if not name.startswith("oxygen_bench"):
        raise SystemExit(f"refusing to recreate {name!r}: bench databases are named oxygen_bench*")
    for sql in (f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'):
        subprocess.run(["psql", f"{POSTGRES_SERVER}/postgres", "-q", "-c", sql], check=True)
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=PROJECT,
        env={**DEVELOPMENT_ENVIRONMENT, **os.environ, "DATABASE_URL": database_url(name)},
        check=True,
    )


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def median(values: list[float]) -> float:
    return statistics.median(values)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} CPU(s), Python {platform.python_version()}, {platform.system()} {platform.release()}"


def header(title: str) -> None:
    print(f"== {title}")
    print(f"machine: {machine()}")
