"""A database too busy to answer in time gets a clear page (503), not a server error.

SQLite transactions wait for the write lock (settings: `transaction_mode` IMMEDIATE and a
`timeout`); a request that still finds the database locked after that wait gets this page, after
its transaction was rolled back. It also keeps such a request off Django's debug error page, which
would show the posted form (keystore passwords included) when DEBUG is on.
"""
from __future__ import annotations

import logging

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

BUSY_MESSAGES = ("database is locked", "database table is locked")


def is_busy(exception: BaseException) -> bool:
    return isinstance(exception, OperationalError) and any(text in str(exception) for text in BUSY_MESSAGES)


class DatabaseBusyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_busy(exception):
            return None
        logger.warning("database busy: %s %s answered 503", request.method, request.path)
        response = HttpResponse(render_to_string("503.html", request=request), status=503)
        response["Retry-After"] = "5"
        return response
