"""Logins, logouts, failed logins and lockouts go to the audit log.

A failed login is marked `refused_while_locked` when the throttle refused it without checking the
password (the flag `oxygen.security.LoginThrottleBackend` sets), not on the failure that starts
the lock.
"""
from __future__ import annotations

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import get_user_model, user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.utils import timezone

from oxygen.actors import actor_of
from oxygen.security import client_ip

from .models import AuditEvent, EventKind
from .services import record_event


@receiver(user_logged_in, dispatch_uid="audit.login")
def on_login(sender, request, user, **kwargs) -> None:
    record_event(EventKind.LOGIN, request=request, actor=user)


@receiver(user_logged_out, dispatch_uid="audit.logout")
def on_logout(sender, request, user, **kwargs) -> None:
    if user is not None:
        record_event(EventKind.LOGOUT, request=request, actor=user)


def _request_actor(request):
    """Who was logged in on the request, if anybody (when the typed name is nobody's)."""
    return actor_of(getattr(request, "user", None)) if request is not None else None


def _known_user(username: str):
    if not username:
        return None
    User = get_user_model()
    return User._default_manager.filter(**{User.USERNAME_FIELD: username}).first()


@receiver(user_login_failed, dispatch_uid="audit.login_failed")
def on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    """Only the typed user name is kept: the credentials' other values are never read."""
    username = str(credentials.get(get_user_model().USERNAME_FIELD) or "")
    details = {"refused_while_locked": True} if getattr(request, "login_refused_while_locked", False) else {}
    record_event(
        EventKind.LOGIN_FAILED, request=request, actor=_known_user(username) or _request_actor(request),
        username_attempted=username, details=details,
    )


@receiver(user_locked_out, dispatch_uid="audit.locked_out")
def on_locked_out(sender, request, username, ip_address, **kwargs) -> None:
    """One event when the lock starts; axes signals again on every attempt refused during the lock."""
    address = client_ip(request) if request is not None else None
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    already = AuditEvent.objects.filter(
        kind=EventKind.LOCKED_OUT, username_attempted=username or "", ip_address=address, occurred_at__gte=since
    )
    if not already.exists():
        record_event(
            EventKind.LOCKED_OUT, request=request, actor=_known_user(username or "") or _request_actor(request), username_attempted=username or "",
            details={"failure_limit": settings.AXES_FAILURE_LIMIT, "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)},
        )

