"""Writing the audit log. Every part of the project records its events through `record_event`."""
from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from oxygen.secret_words import looks_secret
from oxygen.security import client_ip

from .models import AuditEvent, EventKind

logger = logging.getLogger(__name__)

_PEM_MARKER = "-----BEGIN"
SUMMARY_LENGTH = AuditEvent._meta.get_field("summary").max_length
USERNAME_LENGTH = AuditEvent._meta.get_field("username_attempted").max_length

# A details key is dropped when it looks secret (oxygen.secret_words: the list the logs mask too).
_DROP = object()


def _clean(value: Any, path: str, dropped: list[str]) -> Any:
    if isinstance(value, Mapping):
        kept = {}
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if looks_secret(key):
                dropped.append(where)
                continue
            cleaned = _clean(item, where, dropped)
            if cleaned is not _DROP:
                kept[str(key)] = cleaned
        return kept
    if isinstance(value, (list, tuple, set, frozenset)):
        return [item for item in (_clean(item, path, dropped) for item in value) if item is not _DROP]
    if isinstance(value, (bytes, bytearray, memoryview)) or (isinstance(value, str) and _PEM_MARKER in value):
        dropped.append(path or "value")
        return _DROP
    return value


def clean_details(details: Mapping[str, Any] | None) -> dict[str, Any]:
    """`details` without anything that looks like a secret, made JSON-safe (dates, UUIDs → text)."""
    dropped: list[str] = []
    cleaned = _clean(dict(details or {}), "", dropped)
    if dropped:
        logger.warning("audit: dropped secret-looking details %s", ", ".join(dropped))
    return json.loads(json.dumps(cleaned, cls=DjangoJSONEncoder))


def record_event(
    kind: EventKind | str,
    *,
    actor=None,
    request=None,
    practitioner=None,
    summary: str = "",
    details: Mapping[str, Any] | None = None,
    username_attempted: str = "",
) -> AuditEvent:
    """Write one audit event and return it.

    kind: an `audit.models.EventKind` member, e.g. `EventKind.CERTIFICATE_IMPORT`.
    actor: who acted, normalised by the caller (`oxygen.actors.actor_of`); None for anonymous
        visitors and system jobs.
    request: the current HttpRequest, if any: only the audit context, the client's address (see
        `oxygen.security.client_ip`); never read for who acted.
    practitioner: the practitioner record the event concerns, if any.
    summary: one short human-readable line (cut to 255 characters); no secrets.
    details: JSON-serialisable facts, e.g. {"serial": "…", "not_after": date, "error": "wrong_password"}.
        Keys that look like secrets (password, pin, key, secret, token, passphrase…), bytes values and
        PEM blocks are dropped, and a warning is logged: never pass passwords, PINs or key material.
    username_attempted: for failed logins, the user name that was typed.

    The row is written in the caller's transaction: an event about something that is rolled back
    is rolled back with it, so record a refusal after (outside) the failed transaction.
    """
    kind = EventKind(kind)
    return AuditEvent.objects.create(
        kind=kind,
        user=actor,
        username=actor.get_username() if actor is not None else "",
        practitioner=practitioner,
        ip_address=client_ip(request) if request is not None else None,
        summary=str(summary)[:SUMMARY_LENGTH],
        details=clean_details(details),
        username_attempted=str(username_attempted or "")[:USERNAME_LENGTH],
    )
