"""Each token's own rate limit: at most ``requests_per_minute`` calls per calendar minute.

A fixed window counted in the shared cache (``oxygen.throttle.count_one``: one ``add`` and one atomic
``incr`` per call): a busy program costs two cache round trips, where a sliding log (ninja's own
throttles) would read and write a list of every call's time. Logged-in users are not limited here,
as on the pages.
"""
from __future__ import annotations

import time

from django.http import HttpRequest
from ninja.throttling import BaseThrottle

from oxygen.throttle import count_one

from .models import ServiceToken

WINDOW_SECONDS = 60
PREFIX = "api:calls"


class TokenRateThrottle(BaseThrottle):
    def allow_request(self, request: HttpRequest) -> bool:
        token = getattr(request, "auth", None)
        if not isinstance(token, ServiceToken):
            return True
        window = int(time.time() // WINDOW_SECONDS)
        return count_one(f"{PREFIX}:{token.pk}:{window}", WINDOW_SECONDS * 2) <= token.requests_per_minute

    def wait(self) -> float:
        """Seconds until the current minute ends (ninja sends them as ``Retry-After``)."""
        return WINDOW_SECONDS - time.time() % WINDOW_SECONDS
