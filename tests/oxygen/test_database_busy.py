"""SQLite under parallel writes: transactions wait for the write lock; a lock that outlasts the wait
gets a clear 503 page, never a 500 (nor Django's debug page, which would show the posted form)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import OperationalError
from django.test import RequestFactory
from django.utils import translation

from oxygen.database import DatabaseBusyMiddleware

BASE_DIR = Path(settings.BASE_DIR)

# Twelve requests at once, each reading then writing in its transaction (as ATOMIC_REQUESTS does):
# with SQLite's default deferred transactions two readers cannot both upgrade to the write lock,
# and one fails at once with "database is locked", whatever the timeout.
PARALLEL_WRITES = """
import threading, time, django
django.setup()
from django.db import connection, transaction
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE attempt (id INTEGER PRIMARY KEY)")
connection.close()
barrier, errors = threading.Barrier(12), []
def request():
    try:
        barrier.wait()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM attempt")
            time.sleep(0.05)
            cursor.execute("INSERT INTO attempt DEFAULT VALUES")
    except Exception as exc:
        errors.append(str(exc))
    finally:
        connection.close()
threads = [threading.Thread(target=request) for _ in range(12)]
for thread in threads: thread.start()
for thread in threads: thread.join()
with connection.cursor() as cursor:
    cursor.execute("SELECT COUNT(*) FROM attempt")
    print(cursor.fetchone()[0], errors)
"""


@pytest.mark.slow
def test_parallel_write_transactions_on_sqlite_wait_for_each_other(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'busy.sqlite3'}"}
    result = subprocess.run([sys.executable, "-c", PARALLEL_WRITES], cwd=BASE_DIR, env=env,
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "12 []"


def test_a_database_still_locked_gets_a_clear_page_in_the_user_s_language():
    request = RequestFactory().post("/practitioners/x/certificate/upload/", {"password": "s3cret-keystore"})
    middleware = DatabaseBusyMiddleware(lambda request: None)
    with translation.override("fr"):
        response = middleware.process_exception(request, OperationalError("database is locked"))

    assert response.status_code == 503 and response["Retry-After"] == "5"
    page = response.content.decode()
    assert "Rien n'a été enregistré" in page and "s3cret-keystore" not in page
    assert middleware.process_exception(request, OperationalError("no such table: x")) is None
    assert middleware.process_exception(request, ValueError("database is locked")) is None
