"""Tests that need a real service (PostgreSQL, Redis, an SMTP server...) skip on a developer's
machine without it, and fail in CI (``CI`` set in the environment)."""
from __future__ import annotations

import os

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require_service(available: bool, what: str) -> None:
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} is required in CI but is not available", pytrace=False)
    pytest.skip(f"{what} not available here")


def redis_available(url: str) -> bool:
    """Whether the Redis server of ``url`` answers a ping within a second."""
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False
