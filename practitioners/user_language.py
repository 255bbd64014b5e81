"""The interface language follows the user.

At login the interface switches to the user's own choice (``UserPreference.language``, saved when
they use the navbar's language switcher) or, without one, to their practitioner record's language
when it is an interface language. The choice is carried by Django's language cookie, which
``LocaleMiddleware`` reads, so the switcher (which sets the same cookie) still wins afterwards.
"""
from __future__ import annotations

from collections.abc import Collection

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.views.i18n import set_language as django_set_language

from .access import own_practitioner
from .models import UserPreference

INTERFACE_LANGUAGES = frozenset(code for code, _name in settings.LANGUAGES)


def language_for(user, spoken: Collection[str] = INTERFACE_LANGUAGES) -> str | None:
    """The user's chosen language, else their record's when it is ``spoken`` (by default, when the
    interface speaks it), else None."""
    preference = UserPreference.objects.filter(user=user).values_list("language", flat=True).first()
    if preference:
        return preference
    record = own_practitioner(user)
    if record is not None and record.language in spoken:
        return record.language
    return None


@receiver(user_logged_in, dispatch_uid="practitioners.user_language")
def switch_language_at_login(sender, request, user, **kwargs) -> None:
    """The login answers with a redirect: the next page is read in the cookie's language."""
    language = language_for(user)
    if request is not None and language:
        request.user_language = language


class UserLanguageMiddleware:
    """Sets the language cookie on the response of the request that logged the user in."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        language = getattr(request, "user_language", None)
        if language:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME, language,
                max_age=settings.LANGUAGE_COOKIE_AGE, path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN, secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY, samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response


def set_language(request):
    """Django's ``set_language``; a logged-in user's choice is also kept for their next logins."""
    response = django_set_language(request)
    language = request.POST.get("language") if request.method == "POST" else None
    if request.user.is_authenticated and language in INTERFACE_LANGUAGES:
        UserPreference.objects.update_or_create(user=request.user, defaults={"language": language})
    return response
