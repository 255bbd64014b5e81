"""The translation catalogues: complete, faithful to their English source, up to date, and used.

French and Dutch must be complete (practice staff work in both); German only has to cover what it
covers (the practitioners' reminder e-mails, and anything else already translated must be right).
When a test here fails after adding a string: run bin/messages, translate the new entries, commit.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from datetime import datetime, time, timedelta
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from ehealth_certs.models import Certificate, Reminder
from ehealth_certs.reminders.mail import practitioner_message
from ehealth_certs.reminders.thresholds import EXPIRED, WINDOW
from practitioners.identifiers import validate_niss
from practitioners.models import Practitioner

ROOT = Path(settings.BASE_DIR)
LOCALE = ROOT / "locale"
COMPLETE_LANGUAGES = ("fr", "nl")
ALL_LANGUAGES = ("fr", "nl", "de")
DOMAINS = ("django", "djangojs")
PLURAL_FORMS = {
    "fr": "nplurals=2; plural=(n > 1);",
    "nl": "nplurals=2; plural=(n != 1);",
    "de": "nplurals=2; plural=(n != 1);",
}
# What bin/messages leaves out of the extraction (hidden entries are left out by makemessages itself).
NOT_SOURCE = {"tests", "bench", "staticfiles", "locale", "test-artifacts", "var", "build", "db.sqlite3"}

PLACEHOLDER = re.compile(r"%\([A-Za-z_]\w*\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|%[sdif]|\{[A-Za-z_]\w*\}")
HTML_TAG = re.compile(r"</?[A-Za-z][^>]*>")


def catalogue(language: str, domain: str) -> polib.POFile | None:
    path = LOCALE / language / "LC_MESSAGES" / f"{domain}.po"
    return polib.pofile(str(path)) if path.exists() else None


def entries(po: polib.POFile) -> list[polib.POEntry]:
    return [entry for entry in po if not entry.obsolete and entry.msgid]


def key(entry: polib.POEntry) -> tuple[str | None, str, str]:
    return (entry.msgctxt, entry.msgid, entry.msgid_plural)


def translations(entry: polib.POEntry) -> list[tuple[str, str]]:
    """(source, translation) pairs: each plural form against the English form it stands for."""
    if entry.msgid_plural:
        forms = [entry.msgstr_plural[index] for index in sorted(entry.msgstr_plural)]
        return [(entry.msgid if index == 0 else entry.msgid_plural, form) for index, form in enumerate(forms)]
    return [(entry.msgid, entry.msgstr)]


def untranslated(entry: polib.POEntry) -> bool:
    return "fuzzy" in entry.flags or any(not text for _, text in translations(entry))


# 1. Complete and faithful


@pytest.mark.parametrize("language", ALL_LANGUAGES)
def test_catalogue_headers(language):
    po = catalogue(language, "django")
    assert po is not None, f"locale/{language}/LC_MESSAGES/django.po is missing: run bin/messages"
    assert not po.metadata_is_fuzzy
    assert po.metadata["Language"] == language
    assert po.metadata["Plural-Forms"] == PLURAL_FORMS[language]
    assert po.metadata["Content-Type"] == "text/plain; charset=UTF-8"


@pytest.mark.parametrize("language", COMPLETE_LANGUAGES)
def test_every_entry_is_translated_and_not_fuzzy(language):
    checked = 0
    problems = []
    for domain in DOMAINS:
        po = catalogue(language, domain)
        if po is None:
            continue  # no such catalogue: test_catalogues_match_the_source checks the source has no string for it
        for entry in entries(po):
            checked += 1
            if untranslated(entry):
                problems.append(f"{domain}: {entry.msgid!r}" + (" (fuzzy)" if "fuzzy" in entry.flags else ""))
    assert checked > 600, f"only {checked} entries in the {language} catalogues"
    assert not problems, f"{len(problems)} {language} entries to translate (bin/messages, then translate):\n" + "\n".join(problems)


def test_german_covers_every_e_mail_string():
    """An empty German entry would not fall back to English but to LANGUAGE_CODE's French."""
    problems = [
        entry.msgid for entry in entries(catalogue("de", "django"))
        if any(path.startswith("templates/ehealth_certs/email/") for path, _ in entry.occurrences) and untranslated(entry)
    ]
    assert not problems, "German e-mail strings to translate:\n" + "\n".join(problems)


@pytest.mark.parametrize("language", ALL_LANGUAGES)
def test_translations_keep_placeholders_and_markup(language):
    problems = []
    for domain in DOMAINS:
        po = catalogue(language, domain)
        for entry in entries(po) if po else []:
            if untranslated(entry):
                continue  # German may be partial; fr/nl completeness is checked above
            for source, text in translations(entry):
                if Counter(PLACEHOLDER.findall(source)) != Counter(PLACEHOLDER.findall(text)):
                    problems.append(f"placeholders: {source!r} -> {text!r}")
                if sorted(HTML_TAG.findall(source)) != sorted(HTML_TAG.findall(text)):
                    problems.append(f"HTML tags: {source!r} -> {text!r}")
                if source.startswith(" ") != text.startswith(" ") or source.endswith(" ") != text.endswith(" "):
                    problems.append(f"leading/trailing space: {source!r} -> {text!r}")
    assert not problems, "\n".join(problems)


def test_placeholder_check_catches_a_lost_placeholder():
    entry = polib.POEntry(msgid="Hello %(name)s, {count} <b>new</b>", msgstr="Bonjour, {count} <b>nouveau</b>")
    (source, text), = translations(entry)
    assert Counter(PLACEHOLDER.findall(source)) != Counter(PLACEHOLDER.findall(text))
    assert untranslated(polib.POEntry(msgid="Save", msgstr="Enregistrer", flags=["fuzzy"]))
    assert untranslated(polib.POEntry(msgid="%(n)s day", msgid_plural="%(n)s days", msgstr_plural={0: "%(n)s jour", 1: ""}))


@pytest.mark.parametrize("language", ALL_LANGUAGES)
@pytest.mark.slow
def test_msgfmt_accepts_the_catalogues(language):
    """GNU msgfmt's own checks: python-format / python-brace-format flags, plural forms, header."""
    for domain in DOMAINS:
        path = LOCALE / language / "LC_MESSAGES" / f"{domain}.po"
        if path.exists():
            result = subprocess.run(
                ["msgfmt", "--check", "--output-file=/dev/null", str(path)], capture_output=True, text=True
            )
            assert result.returncode == 0, result.stderr


# 2. Up to date with the source


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> dict[str, set | None]:
    """The message keys makemessages extracts now, per domain (None: no catalogue would be made).

    The extraction runs on a copy of the source, so the real catalogues are never touched.
    """
    copy = tmp_path_factory.mktemp("source") / "project"

    def ignore(directory, names):
        top = Path(directory) == ROOT
        return {
            name for name in names
            if name == "__pycache__" or name.endswith((".pyc", ".mo"))
            or (top and (name in NOT_SOURCE or (name.startswith(".") and name != ".env")))
        }

    shutil.copytree(ROOT, copy, ignore=ignore, symlinks=True)
    (copy / "locale").mkdir()
    keys: dict[str, set | None] = {}
    for domain in DOMAINS:
        subprocess.run(
            [sys.executable, "manage.py", "makemessages", "-l", "fr", "-d", domain, "--no-obsolete", "-v0",
             "--ignore=.venv", "--ignore=tests", "--ignore=bench", "--ignore=staticfiles"],
            cwd=copy, check=True, capture_output=True, text=True,
            # The copy holds no tests/: the project's settings, with the suite's environment (DEBUG on).
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "oxygen.settings"},
        )
        path = copy / "locale" / "fr" / "LC_MESSAGES" / f"{domain}.po"
        keys[domain] = {key(entry) for entry in entries(polib.pofile(str(path)))} if path.exists() else None
    assert keys["django"], "the extraction found no string at all"
    return keys


@pytest.mark.parametrize("language", ALL_LANGUAGES)
@pytest.mark.slow
def test_catalogues_match_the_source(language, extracted):
    for domain in DOMAINS:
        po = catalogue(language, domain)
        ours = {key(entry) for entry in entries(po)} if po else None
        if extracted[domain] is None:
            assert not ours, f"{language}/{domain}.po has entries but the source has no {domain} string"
            continue
        assert ours is not None, f"locale/{language}/LC_MESSAGES/{domain}.po is missing: run bin/messages"
        missing = sorted(extracted[domain] - ours, key=str)
        stale = sorted(ours - extracted[domain], key=str)
        assert not missing, f"{language}/{domain}: strings in the source but not in the catalogue (run bin/messages):\n" + "\n".join(
            repr(msgid) for _, msgid, _ in missing
        )
        assert not stale, f"{language}/{domain}: entries no longer in the source (run bin/messages):\n" + "\n".join(
            repr(msgid) for _, msgid, _ in stale
        )


# 3. Used at run time (the compiled catalogues)


@pytest.mark.parametrize(
    ("language", "registry", "check_digits"),
    [
        ("nl", "Register van zorgverleners", "De controlecijfers van het INSZ kloppen niet: controleer het nummer."),
        ("fr", "Registre des prestataires", "Les chiffres de contrôle du NISS ne correspondent pas : veuillez vérifier le numéro."),
    ],
)
def test_key_strings_come_out_translated(language, registry, check_digits):
    with translation.override(language):
        assert gettext("Practitioner registry") == registry
        with pytest.raises(ValidationError) as error:
            validate_niss("85073003329")  # 85073003328 with a wrong check digit
        assert error.value.messages == [check_digits]


@pytest.mark.parametrize(
    ("language", "digits", "message"),
    [
        ("nl", "8507300332", "Een INSZ heeft 11 cijfers; u hebt 10 cijfers ingevuld."),
        ("fr", "8507300332", "Un NISS compte 11 chiffres ; vous avez saisi 10 chiffres."),
        ("fr", "8", "Un NISS compte 11 chiffres ; vous avez saisi 1 chiffre."),
    ],
)
def test_plural_messages_follow_the_language_rules(language, digits, message):
    with translation.override(language):
        with pytest.raises(ValidationError) as error:
            validate_niss(digits)
        assert error.value.messages == [message]  # lazy messages: read them with the language active


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "title"), [("nl", "Aanmelden"), ("fr", "Se connecter")])
def test_pages_follow_the_browser_language(client, language, title):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    assert response["Content-Language"] == language
    assert f"<title>{title}" in response.content.decode()


def reminder(threshold: str, days_left: int, language: str) -> Reminder:
    """An unsaved reminder row: the message is built from these objects only."""
    practitioner = Practitioner(first_names="Paul", last_name="Schmitz", language=language, email="p.schmitz@example.be")
    # Noon, Brussels time, days_left calendar days from today: the count in the subject is in
    # calendar days, so a time of day close to midnight must not move the expiry to the next day.
    expires_on = timezone.localdate() + timedelta(days=days_left)
    not_after = timezone.make_aware(datetime.combine(expires_on, time(12)))
    certificate = Certificate(practitioner=practitioner, not_after=not_after)
    return Reminder(certificate=certificate, threshold=threshold, recipient_email=practitioner.email)


@pytest.mark.parametrize(
    ("threshold", "days_left", "subject"),
    [
        ("30d", 30, "Ihr eHealth-Zertifikat läuft in 30 Tagen ab (am {date})"),
        ("1d", 1, "Ihr eHealth-Zertifikat läuft in 1 Tag ab (am {date})"),
        (WINDOW, 90, "Ihr eHealth-Zertifikat läuft am {date} ab: Erneuern Sie es jetzt"),
        (EXPIRED, -2, "Ihr eHealth-Zertifikat ist am {date} abgelaufen"),
    ],
)
def test_the_expiry_reminder_reaches_german_speakers_in_german(threshold, days_left, subject):
    row = reminder(threshold, days_left, "de")
    date = timezone.localtime(row.certificate.not_after).strftime("%d/%m/%Y")
    message = practitioner_message(row)
    assert message.subject == subject.format(date=date)
    assert message.body.startswith("Guten Tag Paul Schmitz,")
    assert "Dies ist eine automatische Nachricht Ihrer Praxissoftware." in message.body
    english = practitioner_message(reminder(threshold, days_left, "en"))
    english_sentences = [line.strip(" 0123456789.") for line in english.body.splitlines() if " " in line.strip()]
    assert english_sentences and not [sentence for sentence in english_sentences if sentence in message.body]


@pytest.mark.parametrize(
    ("language", "subject"),
    [
        ("fr", "Votre certificat eHealth expire dans 30 jours, le {date}"),
        ("nl", "Uw eHealth-certificaat verloopt over 30 dagen, op {date}"),
    ],
)
def test_the_expiry_reminder_subject_in_french_and_dutch(language, subject):
    row = reminder("30d", 30, language)
    date = timezone.localtime(row.certificate.not_after).strftime("%d/%m/%Y")
    assert practitioner_message(row).subject == subject.format(date=date)
