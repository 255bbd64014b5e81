"""The keystore settings of this installation, read from Django settings.

Each environment trusts the eHealth CAs shipped with the project (``trust.default_anchors``)
unless ``EHEALTH_CA_BUNDLE_PRODUCTION`` / ``_ACCEPTANCE`` names a PEM bundle of its own. CA
bundles are loaded once per file version (path and modification time). A configured bundle that
cannot be read is logged and reported by ``manage.py check``; validation then reports that the
chain could not be verified (never a silent pass, never a fallback to the defaults, never a
server error).
"""
from __future__ import annotations

import functools
import logging
import os

from django.conf import settings
from django.core.checks import CheckMessage, Error, register

from ehealth_certs.keystore.ocsp import OcspSettings
from ehealth_certs.keystore.trust import TrustSettings, default_anchors, load_ca_bundle

logger = logging.getLogger(__name__)

BUNDLE_SETTINGS = {"production": "EHEALTH_CA_BUNDLE_PRODUCTION", "acceptance": "EHEALTH_CA_BUNDLE_ACCEPTANCE"}


@functools.lru_cache(maxsize=8)
def _load(path: str, _mtime_ns: int):
    return load_ca_bundle(path)


@functools.cache
def _default(environment: str):
    return default_anchors(environment)


def _bundle(environment: str):
    setting = BUNDLE_SETTINGS[environment]
    path = getattr(settings, setting, None)
    if not path:
        return _default(environment)
    try:
        return _load(str(path), os.stat(path).st_mtime_ns)
    except (OSError, ValueError) as exc:
        logger.error("%s (%s) cannot be used as a CA bundle: %s", setting, path, exc)
        return None


def trust_settings() -> TrustSettings:
    return TrustSettings(
        settings.EHEALTH_ENVIRONMENT,
        production_cas=_bundle("production"),
        acceptance_cas=_bundle("acceptance"),
    )


def max_keystore_bytes() -> int:
    return int(settings.KEYSTORE_MAX_BYTES)


def renewal_window_months() -> int:
    return int(settings.EHEALTH_RENEWAL_WINDOW_MONTHS)


def revocation_check() -> OcspSettings | None:
    """How to ask OCSP responders, or None when EHEALTH_REVOCATION_CHECK is off."""
    if not settings.EHEALTH_REVOCATION_CHECK:
        return None
    return OcspSettings(timeout=float(settings.EHEALTH_REVOCATION_TIMEOUT))


@register()
def check_ca_bundles(app_configs=None, **kwargs) -> list[CheckMessage]:
    """A configured bundle must be readable (without one, the shipped eHealth CAs are used)."""
    errors = []
    for setting in BUNDLE_SETTINGS.values():
        path = getattr(settings, setting, None)
        if not path:
            continue
        try:
            load_ca_bundle(path)
        except (OSError, ValueError) as exc:
            errors.append(Error(f"{setting} ({path}) cannot be read as a PEM CA bundle: {exc}", id="ehealth_certs.E001"))
    return errors
