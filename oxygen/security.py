"""Small security helpers: the client's address, the Permissions-Policy header, the login throttle.

The client's address comes from REMOTE_ADDR unless the settings say how many reverse proxies
in front of the application append to X-Forwarded-For (`TRUSTED_PROXY_COUNT`); only then is
that header read, and only the entry the nearest trusted proxy wrote, so a client cannot choose
its own address by sending the header itself. The audit log and the login throttle both use it.
"""
from __future__ import annotations

import ipaddress

import logging

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


logger = logging.getLogger(__name__)
_warned_of_unconfigured_proxy = False


def _valid_ip(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The address of the client that sent `request`, or None when it cannot be told."""
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return _valid_ip(forwarded[-proxies])
        return None
    if "HTTP_X_FORWARDED_FOR" in request.META:
        _warn_of_unconfigured_proxy()
    return _valid_ip(request.META.get("REMOTE_ADDR"))


def _warn_of_unconfigured_proxy() -> None:
    """Once per process: a proxy seems to be in front, but its entries are not trusted."""
    global _warned_of_unconfigured_proxy
    if not _warned_of_unconfigured_proxy:
        _warned_of_unconfigured_proxy = True
        logger.warning(
            "requests carry X-Forwarded-For but TRUSTED_PROXY_COUNT is 0: every client behind that proxy "
            "shares its address (login throttle, audit log); set TRUSTED_PROXY_COUNT"
        )


class PermissionsPolicyMiddleware:
    """Adds the `Permissions-Policy` header from the PERMISSIONS_POLICY setting.

    PERMISSIONS_POLICY maps a feature to its allow-list, e.g. {"camera": [], "geolocation": ["self"]};
    an empty list denies the feature everywhere: `camera=()`.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = ", ".join(
            f"{feature}=({' '.join(origins)})" for feature, origins in getattr(settings, "PERMISSIONS_POLICY", {}).items()
        )

    def __call__(self, request: HttpRequest):
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response


class LoginThrottleHandler(AxesDatabaseHandler):
    """django-axes's database handler with a limit of its own for an address across user names.

    Each lockout parameter counts on its own: AXES_FAILURE_LIMIT wrong passwords for one user name
    from one address, AXES_ADDRESS_FAILURE_LIMIT from one address whatever the names. Axes compares
    one count with AXES_FAILURE_LIMIT, so the address's count is given in that scale.
    """

    def failure_counts(self, request, credentials: dict | None = None) -> tuple[int, int]:
        """Recent wrong passwords: for this user name from this address, and from this address."""
        pair, address = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        return pair, address

    def get_failures(self, request, credentials: dict | None = None) -> int:
        pair, address = self.failure_counts(request, credentials)
        return max(pair, address * int(settings.AXES_FAILURE_LIMIT) // int(settings.AXES_ADDRESS_FAILURE_LIMIT))


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """The page django-axes shows when a user name, or the whole address, is locked out (HTTP 429)."""
    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "address_failure_limit": settings.AXES_ADDRESS_FAILURE_LIMIT,
        "address_locked": LoginThrottleHandler().failure_counts(request, credentials)[1]
        >= settings.AXES_ADDRESS_FAILURE_LIMIT,
        "lockout_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
    return render(request, "axes/lockout.html", context, status=429)


def throttle_username(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """The user name the login throttle counts attempts for, cut to the longest user name there can
    be (Django's login form lets a longer one through to authentication, which axes cannot store)."""
    field = get_user_model().USERNAME_FIELD
    source = credentials if credentials else getattr(request, "POST", {})
    username = source.get(field)
    if not username:
        return None
    return str(username)[: get_user_model()._meta.get_field(field).max_length or 255]


class LoginThrottleBackend(AxesStandaloneBackend):
    """django-axes's throttle (first in AUTHENTICATION_BACKENDS), which also marks the request it
    refuses during a lock, so that the audit log can tell such a refusal from a wrong password."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        try:
            return super().authenticate(request, username, password, **kwargs)
        except AxesBackendPermissionDenied:
            request.login_refused_while_locked = True
            raise
