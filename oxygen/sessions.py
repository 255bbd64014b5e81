"""Sessions end after SESSION_COOKIE_AGE without activity, without a database write per request.

Django's SESSION_SAVE_EVERY_REQUEST writes and commits the session row on every request, page,
health check and static fallback alike: on PostgreSQL that is one UPDATE and one WAL flush per
request (docs/benchmarks.md, benchmark 1). Instead, a request that used the session records its
time in the session at most once per SESSION_ACTIVITY_INTERVAL seconds; that change makes
SessionMiddleware save the session, which pushes its expiry SESSION_COOKIE_AGE further. A session
therefore ends between SESSION_COOKIE_AGE - SESSION_ACTIVITY_INTERVAL and SESSION_COOKIE_AGE
after the last request.

Listed after SessionMiddleware, so its response phase runs before the session is saved.
"""
from __future__ import annotations

import time

from django.conf import settings
from django.http import HttpRequest

LAST_ACTIVITY_KEY = "_last_activity"


class SessionActivityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # A request that never read the session (a static file, /healthz) is no sign of activity,
        # and reading it now would cost the query the request avoided.
        if session is None or not session.accessed or session.modified or session.is_empty():
            return response
        now = int(time.time())
        last = session.get(LAST_ACTIVITY_KEY)
        if not isinstance(last, int) or not 0 <= now - last < settings.SESSION_ACTIVITY_INTERVAL:
            session[LAST_ACTIVITY_KEY] = now
        return response
