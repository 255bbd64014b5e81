"""Management commands speak the language of the shell that runs them (French by default).

The first of LANGUAGE, LC_ALL, LC_MESSAGES and LANG that names an interface language (fr, nl, en)
wins, as with other command-line programs: `LANG=nl_BE.UTF-8 ./manage.py keystore inspect ...`.
"""
from __future__ import annotations

import os
from collections.abc import Mapping

from django.conf import settings
from django.core.management import ManagementUtility
from django.utils import translation

LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def environment_language(environ: Mapping[str, str] = os.environ) -> str | None:
    available = {code for code, _name in settings.LANGUAGES}
    for variable in LOCALE_VARIABLES:
        for candidate in environ.get(variable, "").split(":"):
            code = candidate[:2].lower()
            if code in available:
                return code
    return None


def activate_environment_language() -> None:
    language = environment_language()
    if language:
        translation.activate(language)


class LocalizedManagementUtility(ManagementUtility):
    """`manage.py`: Django's own utility (so --settings and --pythonpath still apply), with the
    shell's language activated once the settings are loaded, before the command runs."""

    def fetch_command(self, subcommand):
        activate_environment_language()
        return super().fetch_command(subcommand)
