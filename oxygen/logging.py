"""Structured logging: JSON lines with a request id, and no NISS numbers or passwords in any line.

- ``RequestIdMiddleware`` takes a sane ``X-Request-ID`` from the client (or a proxy) or makes
  one, keeps it in a context variable for the request's duration and returns it in the response.
- ``RequestIdFilter`` copies that id onto every log record (``None`` outside a request).
- ``SensitiveDataFilter`` masks NISS numbers (``85073003328`` and ``85.07.30-033.28`` both become
  ``850730*****``), the values of secret-looking names (``oxygen.secret_words``: password, key,
  token, PIN…) and one-time download tokens in messages, arguments, extras and tracebacks.
- ``TextFormatter`` escapes control characters (no forged lines); ``JsonFormatter`` writes one
  JSON object per event.
- ``logging_config()`` builds the ``LOGGING`` dict used by Django, Celery and gunicorn alike.

Standard library only, so gunicorn's master process can use it before Django is loaded.
"""
from __future__ import annotations

import contextvars
import datetime
import json
import logging
import re
import time
import traceback
import uuid
from collections.abc import Mapping

from oxygen.secret_words import SECRET_WORDS, WHOLE_SECRET_WORDS, looks_secret

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:+=/-]{0,127}")

# Eleven digits, alone or formatted YY.MM.DD-NNN.CC (dots, dashes, slashes or spaces), not part
# of a longer run of digits. Any such number is masked, valid check digits or not.
_SEP = r"[ ./-]?"
# A hexadecimal token exactly as long as a digest (MD5 or a UUID 32, SHA-1 40, SHA-256 64, SHA-384
# 96, SHA-512 128 characters) is kept whole: an eleven-digit run inside it is no NISS, and masking
# it would corrupt the fingerprint in the log. Any other length (a client's request id of 43
# characters ending in a NISS) is text like any other.
_NISS_OR_LONG_HEX = re.compile(
    rf"(?P<hex>\b(?:[0-9A-Fa-f]{{32}}|[0-9A-Fa-f]{{40}}|[0-9A-Fa-f]{{64}}|[0-9A-Fa-f]{{96}}|[0-9A-Fa-f]{{128}})\b)"
    rf"|(?<!\d)(?P<yy>\d\d){_SEP}(?P<mm>\d\d){_SEP}(?P<dd>\d\d){_SEP}\d{{3}}{_SEP}\d\d(?!\d)"
)

# key=value, key: value, 'key': 'value', "key"="value"; quoted values may hold spaces. The value is
# masked when the key looks secret (oxygen.secret_words, the list the audit log uses too).
_SECRET_PAIR = re.compile(
    rf"""(?ix)
    (?P<key>(?P<name>[\w-]*(?:{"|".join(SECRET_WORDS + WHOLE_SECRET_WORDS)})[\w-]*)["']?\s*[:=]\s*)
    (?P<value>"[^"]*"|'[^']*'|[^\s,;&}}\])]+)
    """
)
# The one-time download links of re-encrypted keystores (…/download/<token>/): the token is the key.
_DOWNLOAD_TOKEN = re.compile(r"(?<=/download/)[^/\s?#]+")
MASK = "********"


def mask_text(text: str) -> str:
    """The text with every NISS-like number, secret-looking value and download token masked."""
    text = _NISS_OR_LONG_HEX.sub(lambda m: m["hex"] or f"{m['yy']}{m['mm']}{m['dd']}*****", text)
    text = _DOWNLOAD_TOKEN.sub(MASK, text)
    return _SECRET_PAIR.sub(_mask_pair, text)


def _mask_pair(match: re.Match) -> str:
    """The pair with its value masked; a key that only contains a secret word ("keystore=…",
    "shipping=…") is kept, and its value masked in turn ("keystore=/x?password=…")."""
    if looks_secret(match["name"]):
        return f"{match['key']}{MASK}"
    return match["key"] + _SECRET_PAIR.sub(_mask_pair, match["value"])


# Control characters (line breaks included) and Unicode line separators: in the text format a
# request path such as /x%0a2026-11-29 … would otherwise write a forged line of its own.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def escape_control_characters(text: str) -> str:
    """``\\n``, ``\\x1b``, ``\\u2028``… in place of the characters themselves."""
    return _CONTROL_CHARACTERS.sub(lambda match: match[0].encode("unicode_escape").decode("ascii"), text)


def _mask_value(key: object, value: object) -> object:
    if isinstance(key, str) and looks_secret(key):
        return MASK
    return mask_text(value) if isinstance(value, str) else value


def new_request_id() -> str:
    return uuid.uuid4().hex


def accept_request_id(value: str | None) -> str:
    """The client's id when it is short, printable and carries no NISS; else a new one."""
    if value and _SANE_REQUEST_ID.fullmatch(value) and mask_text(value) == value:
        return value
    return new_request_id()


class RequestIdMiddleware:
    """Gives each request an id (``request.request_id``), logged with every line it causes."""

    access_logger = logging.getLogger("oxygen.requests")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = accept_request_id(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = request_id
        token = request_id_var.set(request_id)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            # The path only: a query string may hold search terms such as a NISS.
            self.access_logger.info(
                "%s %s %s", request.method, request.path, response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status_code": response.status_code,
                    "duration_ms": round((time.monotonic() - started) * 1000, 1),
                },
            )
            return response
        finally:
            request_id_var.reset(token)


class RequestIdFilter(logging.Filter):
    """Adds ``record.request_id``: the current request's id, or ``None`` outside a request.

    Django logs 4xx responses after the middleware has returned, with the request attached:
    the id then comes from the request.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id_var.get() or getattr(
                getattr(record, "request", None), "request_id", None
            )
        return True


_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message", "asctime", "request_id",
}


def _extras(record: logging.LogRecord) -> dict[str, object]:
    return {key: value for key, value in vars(record).items() if key not in _RECORD_ATTRIBUTES}


class SensitiveDataFilter(logging.Filter):
    """Masks NISS numbers and password-like values wherever a record carries text.

    The message is rendered with its arguments, masked, and stored back without arguments, so
    whatever formats the record afterwards (any formatter, any handler) sees only masked text.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, Mapping):
            record.args = {key: _mask_value(key, value) for key, value in args.items()}
        try:
            message = record.getMessage()
        except Exception:  # arguments that do not fit the message: keep both, masked
            message = f"{record.msg} {record.args!r}"
        record.msg = mask_text(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        for key, value in _extras(record).items():
            setattr(record, key, _mask_value(key, value))
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: timestamp (UTC), level, logger, message, request_id, and the
    exception, stack and JSON-friendly extras (``extra={...}``) when there are any."""

    def format(self, record: logging.LogRecord) -> str:
        timestamp = datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC)
        entry: dict[str, object] = {
            "timestamp": timestamp.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        for key, value in _extras(record).items():
            if isinstance(value, str | int | float | bool) or value is None:
                entry.setdefault(key, value)
        return json.dumps(entry, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """One line per event for humans: the message's control characters are escaped, so a line
    always starts with the timestamp of a real event (a traceback follows on lines of its own)."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = escape_control_characters(record.message)
        return super().formatMessage(record)


LOG_FORMATS = ("json", "text")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def logging_config(log_format: str, level: str) -> dict:
    """The ``logging.config.dictConfig`` settings: one console handler on the root logger, with
    the request id and masking filters, that every logger (Django's included) propagates to."""
    if log_format not in LOG_FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, not {log_format!r}")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": RequestIdFilter},
            "mask_sensitive": {"()": SensitiveDataFilter},
        },
        "formatters": {
            "json": {"()": JsonFormatter},
            "text": {"()": TextFormatter, "format": TEXT_FORMAT},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": log_format,
                "filters": ["request_id", "mask_sensitive"],
            },
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Django's own handlers (a debug console, mail to ADMINS) would bypass the masking:
            # its records go to the root handler instead.
            "django": {"handlers": [], "level": level, "propagate": True},
            "django.server": {"handlers": [], "propagate": True},
            "django.db.backends": {"level": "WARNING"},
            # gunicorn's master process (see docker/gunicorn.conf.py).
            "gunicorn.error": {"handlers": [], "level": level, "propagate": True},
            # Requests are logged by RequestIdMiddleware, with their id: not twice.
            "gunicorn.access": {"handlers": [], "level": "WARNING", "propagate": True},
        },
    }
