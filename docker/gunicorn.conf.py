"""gunicorn settings for the `web` service, from the environment."""
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from oxygen.logging import logging_config  # noqa: E402  (needs the project on sys.path)

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
# Heartbeat files in memory: a container's /tmp may sit on a slow overlay filesystem.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# Requests are logged by oxygen.logging.RequestIdMiddleware, with their request id (and the
# access logger is kept at WARNING in oxygen.logging.logging_config).
accesslog = None
errorlog = "-"

# gunicorn's own lines (master and workers) go through the same JSON/text handler as Django's.
_debug = os.environ.get("DEBUG", "False").lower() in {"1", "true", "yes", "on"}
logconfig_dict = logging_config(
    os.environ.get("LOG_FORMAT", "text" if _debug else "json"),
    os.environ.get("LOG_LEVEL", "INFO").upper(),
)
