"""The keystore settings of this installation, read from Django settings.

CA bundles are loaded once per file version (path and modification time). A configured bundle
that cannot be read is logged and reported by ``manage.py check``; validation then reports that
the chain could not be verified (never a silent pass, never a server error).
"""
from __future__ import annotations

import functools
import logging
import os

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register

from .ocsp import OcspSettings
from .trust import TrustSettings, load_ca_bundle

logger = logging.getLogger(__name__)

BUNDLE_SETTINGS = {"production": "EHEALTH_CA_BUNDLE_PRODUCTION", "acceptance": "EHEALTH_CA_BUNDLE_ACCEPTANCE"}


@functools.lru_cache(maxsize=8)
def _load(path: str, _mtime_ns: int):
    return load_ca_bundle(path)


def _bundle(setting: str):
    path = getattr(settings, setting, None)
    if not path:
        return None
    try:
        return _load(str(path), os.stat(path).st_mtime_ns)
    except (OSError, ValueError) as exc:
        logger.error("%s (%s) cannot be used as a CA bundle: %s", setting, path, exc)
        return None


def trust_settings() -> TrustSettings:
    return TrustSettings(
        settings.EHEALTH_ENVIRONMENT,
        production_cas=_bundle(BUNDLE_SETTINGS["production"]),
        acceptance_cas=_bundle(BUNDLE_SETTINGS["acceptance"]),
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
    """A configured bundle must be readable; the environment's own bundle should be configured."""
    errors = []
    for environment, setting in BUNDLE_SETTINGS.items():
        path = getattr(settings, setting, None)
        if not path:
            if environment == settings.EHEALTH_ENVIRONMENT and not settings.DEBUG:
                errors.append(
                    Warning(
                        f"{setting} is not set: eHealth certificates of the {environment} environment cannot be verified.",
                        hint="Point it to a PEM file holding the eHealth CA certificates.",
                        id="ehealth_certs.W001",
                    )
                )
            continue
        try:
            load_ca_bundle(path)
        except (OSError, ValueError) as exc:
            errors.append(Error(f"{setting} ({path}) cannot be read as a PEM CA bundle: {exc}", id="ehealth_certs.E001"))
    return errors
