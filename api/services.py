"""Service tokens: create one (its text shown once), revoke it, recognise it, record its use.

A token is 256 random bits (``secrets``) behind a fixed prefix, so a leaked one is easy to spot in
a log or a repository. Only its SHA-256 is stored: a token is random and long, so a fast hash is
as good as a slow one here, and recognising a token costs one indexed lookup per call.
"""
from __future__ import annotations

import hashlib
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from audit.models import EventKind
from audit.services import record_event
from oxygen.errors import Refused

from .models import ServiceToken, scope_flags

TOKEN_PREFIX = "oxy_"
SHOWN_CHARACTERS = 12  # "oxy_" and 8 random characters: tells tokens apart, never enough to guess one
TOKEN_LENGTH = len(TOKEN_PREFIX) + 43  # token_urlsafe(32): 43 characters
# The last use is written at most once a minute per token: a busy program must not turn every call
# into an UPDATE of the same row.
LAST_USE_PRECISION = timedelta(minutes=1)

NAME_TAKEN = "name_taken"
ALREADY_REVOKED = "already_revoked"


def hash_of(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class CreatedToken:
    token: ServiceToken
    text: str  # the token itself: shown once, stored nowhere


def create_token(
    *, name: str, scopes: Collection[str], requests_per_minute: int, actor, request=None
) -> CreatedToken:
    """A new token. Refused(NAME_TAKEN) when a token that is not revoked has the name already
    (the form says so first; this catches two administrators creating it at the same moment)."""
    text = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ServiceToken(
        name=name.strip(), prefix=text[:SHOWN_CHARACTERS], token_hash=hash_of(text),
        **scope_flags(scopes), requests_per_minute=requests_per_minute, created_at=timezone.now(), created_by=actor,
    )
    try:
        with transaction.atomic():
            token.save()
            record_event(
                EventKind.SERVICE_TOKEN_CREATED, actor=actor, request=request, summary=str(token),
                details={"client": token.name, "scopes": sorted(token.scopes), "requests_per_minute": requests_per_minute},
            )
    except IntegrityError:
        if ServiceToken.objects.filter(name=token.name, revoked_at__isnull=True).exists():
            raise Refused(NAME_TAKEN, name=token.name) from None
        raise
    return CreatedToken(token, text)


def revoke_token(token: ServiceToken, *, actor, request=None) -> ServiceToken:
    """Revoke the token once: its calls are refused from now on. Refused(ALREADY_REVOKED) when
    someone revoked it first (a conditional UPDATE, so two administrators never both do)."""
    now = timezone.now()
    with transaction.atomic():
        revoked = ServiceToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now, revoked_by=actor)
        if not revoked:
            raise Refused(ALREADY_REVOKED, name=token.name)
        token.revoked_at, token.revoked_by = now, actor
        record_event(
            EventKind.SERVICE_TOKEN_REVOKED, actor=actor, request=request, summary=str(token),
            details={"client": token.name},
        )
    return token


def token_for(text: str) -> ServiceToken | None:
    """The valid (not revoked) token whose text this is, or None."""
    if len(text) != TOKEN_LENGTH or not text.startswith(TOKEN_PREFIX):
        return None
    return ServiceToken.objects.filter(token_hash=hash_of(text), revoked_at__isnull=True).first()


def record_use(token: ServiceToken, address: str | None, now: datetime | None = None) -> None:
    """Note the token's last use (to the minute) and where it came from."""
    now = now or timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USE_PRECISION:
        return
    ServiceToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USE_PRECISION)
    ).update(last_used_at=now, last_used_from=address)
    token.last_used_at, token.last_used_from = now, address
