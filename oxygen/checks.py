"""System checks of the project's own settings (run by `manage.py check`, `migrate`, `runserver`)."""
from __future__ import annotations

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register


@register(Tags.security)
def check_proxy_count(app_configs=None, **kwargs) -> list[CheckMessage]:
    """Behind a proxy (Django trusts its X-Forwarded-Proto) with no proxy counted, every client
    would share the proxy's address: one user's lockout would hit everyone, the audit log the proxy."""
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None) and settings.TRUSTED_PROXY_COUNT == 0:
        return [
            Warning(
                "The application trusts a proxy's X-Forwarded-Proto (SECURE_PROXY_SSL_HEADER) but "
                "TRUSTED_PROXY_COUNT is 0: every client would be seen with the proxy's address.",
                hint="Set TRUSTED_PROXY_COUNT to the number of reverse proxies in front of the application "
                "that append to X-Forwarded-For (1 for the HTTPS proxy of the README).",
                id="oxygen.W001",
            )
        ]
    return []


@register()
def check_demo_keystore_key(app_configs=None, **kwargs) -> list[CheckMessage]:
    if getattr(settings, "KEYSTORE_KEY_FROM_DEVELOPMENT_SECRET", False):
        return [
            Warning(
                "Demo: stored keystores are encrypted with a key derived from the public development "
                "SECRET_KEY; anyone who reads the code can decrypt them. Never upload a real keystore here.",
                hint="A real installation sets KEYSTORE_ENCRYPTION_KEY and SECRET_KEY (see .env.example).",
                id="oxygen.W002",
            )
        ]
    return []
