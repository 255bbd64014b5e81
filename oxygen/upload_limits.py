"""Refuse oversized request bodies before anything reads them (413 with a clear page).

Django only limits the non-file part of a body (DATA_UPLOAD_MAX_MEMORY_SIZE); a 100 MB file upload
would be streamed to a temporary file before any form could refuse it. This middleware answers 413
as soon as the headers announce more than the cap for the page (MAX_REQUEST_BODY_BYTES, or a
smaller cap by URL name in MAX_REQUEST_BODY_BYTES_BY_URL_NAME), without reading the body.

A body of unknown length (``Transfer-Encoding: chunked``, no Content-Length) is read here through
the cap into a spooled temporary file: refused as soon as it passes the cap, otherwise handed to
Django with its now-known length (Django ignores a body without a Content-Length).
"""
from __future__ import annotations

import logging
import tempfile

from django.conf import settings
from django.core.handlers.wsgi import LimitedStream
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve
from django.utils import translation

logger = logging.getLogger(__name__)

CHUNK = 64 * 1024
IN_MEMORY_BYTES = 256 * 1024  # a spooled chunked body moves to disk above this


def body_cap(path_info: str) -> int:
    """The largest body accepted for this path, in bytes."""
    try:
        name = resolve(path_info).view_name
    except Resolver404:
        name = None
    return settings.MAX_REQUEST_BODY_BYTES_BY_URL_NAME.get(name, settings.MAX_REQUEST_BODY_BYTES)


def declared_length(meta) -> int | None:
    """The Content-Length header as a number; None when absent or not a number."""
    try:
        length = int(meta.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None
    return length if length >= 0 else None


def too_large_response(request, cap: int) -> HttpResponse:
    language = translation.get_language_from_request(request)
    with translation.override(language):
        content = render_to_string("413.html", {"max_megabytes": max(cap // (1024 * 1024), 1), "max_bytes": cap})
    response = HttpResponse(content, status=413)
    # Set here: CommonMiddleware, which usually does, never sees this response. Without it a
    # client reads until the connection closes, while the server waits for the rest of the body.
    response["Content-Length"] = str(len(response.content))
    return response


def _spool_capped(stream, cap: int):
    """The whole body in a spooled file, or None as soon as it passes ``cap``."""
    spooled = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY_BYTES)
    total = 0
    while True:
        chunk = stream.read(CHUNK)
        if not chunk:
            break
        total += len(chunk)
        if total > cap:
            spooled.close()
            return None
        spooled.write(chunk)
    spooled.seek(0)
    return spooled, total


class RequestBodyLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        cap = body_cap(request.path_info)
        length = declared_length(request.META)
        if length is not None:
            if length > cap:
                return self._refuse(request, cap, length)
        elif "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
            spooled = _spool_capped(request.META["wsgi.input"], cap)
            if spooled is None:
                return self._refuse(request, cap, None)
            body, size = spooled
            request.META["CONTENT_LENGTH"] = str(size)
            request._stream = LimitedStream(body, size)
        return self.get_response(request)

    def _refuse(self, request, cap: int, length: int | None) -> HttpResponse:
        logger.warning(
            "Request body refused: %s bytes for %s (at most %d accepted)",
            "unknown (chunked)" if length is None else length, request.path_info, cap,
        )
        return too_large_response(request, cap)
