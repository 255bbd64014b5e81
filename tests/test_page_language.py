"""Every page in French and in Dutch, as a person reads it: no English and no machine codes.

Each page of the access matrix (tests/url_matrix.py) is rendered with demo data (the demo
practice, its certificates: valid, inside the renewal window, expired, plus a revoked one, the
reminder scan, audit events of refusals) for every role allowed to see it. What a person reads
(text nodes, and the placeholder, title, aria-label, alt and button-value attributes; not scripts
or styles) must not be an English source string that the catalogue translates, nor a code meant
for machines (validation error codes, audit event kinds, password-change refusals).
"""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from api import services as api_services
from api.models import Scope
from audit.models import EventKind
from audit.services import record_event
from eid import card
from ehealth_certs import refusals
from ehealth_certs.lifecycle import keystore_import, password_change
from ehealth_certs.keystore import password_policy
from ehealth_certs.reminders import scan
from ehealth_certs.demo import DEMO_KEYSTORE_PASSWORD, seed_demo_certificates
from ehealth_certs.models import Certificate, CertificateState, RevocationReason
from ehealth_certs.lifecycle.revocation import Revocation, revoke_certificate
from ehealth_certs.keystore.validation import ErrorCode, WarningCode
from oxygen.errors import Refused
from practitioners.demo import seed_demo_practice
from practitioners.models import Practitioner
from practitioners.registry_csv import import_practitioners_csv
from tests.url_matrix import EXPECTED, url_for

pytestmark = pytest.mark.django_db

LANGUAGES = ("fr", "nl")
ROLES = {"front_desk": "accueil", "practitioner_a": "jan.peeters", "administrator": "admin"}
ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|%[sdif]|\{\{?\s*\w+\s*\}?\}|<[^>]+>")
SEGMENT_BREAK = re.compile(r"[:·()\[\],;–—|]")
NOT_A_LETTER = re.compile(r"[^\w]+|[\d_]+")
CODE_WORD = re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b")
RAW_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]\b|\{\w*\}")


def words(text: str) -> str:
    """Lower-case words only: placeholders, digits (dates, numbers) and punctuation removed."""
    return " ".join(NOT_A_LETTER.sub(" ", PLACEHOLDER.sub(" ", text)).lower().split())


def catalogue_words(language: str) -> tuple[set[str], set[str]]:
    """(English sources, translations) of the catalogue, as words."""
    po = polib.pofile(str(Path(settings.BASE_DIR) / "locale" / language / "LC_MESSAGES" / "django.po"))
    sources, translated = set(), set()
    for entry in po:
        if entry.obsolete or not entry.msgid:
            continue
        pairs = [(entry.msgid, entry.msgstr)] if not entry.msgid_plural else [
            (entry.msgid if index == 0 else entry.msgid_plural, form) for index, form in sorted(entry.msgstr_plural.items())
        ]
        for source, translation in pairs:
            sources.add(words(source))
            translated.add(words(translation))
    return sources, translated


def foreign_strings(language: str) -> set[str]:
    """What must not show in ``language``: the catalogue's English sources and the other interface
    language's translations, unless ``language``'s own translations read the same ("Contact",
    "NISS" in French), and the language switcher's names ("English", "Nederlands")."""
    sources, own = catalogue_words(language)
    others = set().union(*(catalogue_words(other)[1] for other in LANGUAGES if other != language))
    names = {words(name) for _code, name in settings.LANGUAGES}
    return {text for text in (sources | others) - own - names if text}


def machine_codes() -> set[str]:
    codes = {str(code) for code in (*ErrorCode, *WarningCode, *EventKind.values)}
    codes |= set(refusals.PASSWORD_CHANGE_MESSAGES) | {password_change.THROTTLED}
    codes |= set(password_policy.RULES)
    codes |= {error.code for error in vars(card).values() if isinstance(error, type) and issubclass(error, card.EidError)}
    return {code for code in codes if "_" in code}


class VisibleText(HTMLParser):
    """Text nodes and readable attributes, outside <script>, <style>, <template> and elements marked
    translate="no" (data shown as it is: a CSV column name, a keystore alias)."""

    HIDDEN = {"script", "style", "template"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._open: list[bool] = []  # for each open element: is its content hidden from the check?

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        hidden = bool(self._open and self._open[-1]) or tag in self.HIDDEN or attributes.get("translate") == "no"
        if not hidden:
            self.texts += [attributes[name] for name in ATTRIBUTES if attributes.get(name)]
            if tag == "input" and attributes.get("type") in ("submit", "button") and attributes.get("value"):
                self.texts.append(attributes["value"])
        if tag not in self.VOID:
            self._open.append(hidden)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self._open.pop()

    def handle_endtag(self, tag):
        if tag not in self.VOID and self._open:
            self._open.pop()

    def handle_data(self, data):
        if not (self._open and self._open[-1]) and data.strip():
            self.texts.append(" ".join(data.split()))


def visible_texts(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    return parser.texts


def problems_in(html: str, foreign: set[str], codes: set[str]) -> list[str]:
    found = []
    for text in visible_texts(html):
        segments = {words(text), *(words(part) for part in SEGMENT_BREAK.split(text))}
        if segments & foreign:
            found.append(f"other language: {text!r}")
        if set(CODE_WORD.findall(text)) & codes:
            found.append(f"code: {text!r}")
        if RAW_PLACEHOLDER.search(text):
            found.append(f"placeholder: {text!r}")
    return found


@pytest.fixture
def demo_world(settings, tmp_path):
    """The demo practice and its certificates, one more revoked, refusals in the audit log, a scan,
    service tokens (one revoked)."""
    settings.EHEALTH_ENVIRONMENT = "acceptance"
    settings.EHEALTH_CA_BUNDLE_ACCEPTANCE = str(tmp_path / "ca-acceptance.pem")
    seed_demo_practice()
    report = seed_demo_certificates(tmp_path)
    jan = Practitioner.objects.get(last_name="Peeters")
    admin = User.objects.get(username="admin")
    renewed = report.upload_files[jan].read_bytes()
    # refusals, as people make them: wrong password, not a keystore, someone else's keystore
    with pytest.raises(Refused):
        keystore_import.import_keystore(jan, renewed, "wrong password", actor=admin, source_name="renewed.acc-p12")
    with pytest.raises(Refused):
        keystore_import.import_keystore(jan, b"not a keystore", DEMO_KEYSTORE_PASSWORD, actor=admin, source_name="etk.der")
    lambert = Practitioner.objects.get(last_name="Lambert")
    with pytest.raises(Refused):
        keystore_import.import_keystore(lambert, renewed, DEMO_KEYSTORE_PASSWORD, actor=admin, source_name="jan.acc-p12")
    with pytest.raises(Refused):
        password_change.change_uploaded_keystore_password(
            renewed, "wrong password", "N3w-Password!x", "N3w-Password!y", practitioner=jan, actor=admin
        )
    # a revoked certificate (Lambert's), and a password change with its pending download (Jan's)
    revoke_certificate(
        Certificate.objects.get(practitioner=lambert, state=CertificateState.ACTIVE),
        Revocation(RevocationReason.KEY_COMPROMISED, timezone.localdate()), actor=admin,
    )
    token = password_change.create_download(User.objects.get(username="jan.peeters"), jan, renewed, "jan.acc-p12")
    with pytest.raises(Refused):  # a file without the required columns
        import_practitioners_csv(b"last_name;first_names\nNieuw;Anna\n", actor=admin)
    scan.scan_expiring()
    certificate = Certificate.objects.get(practitioner=jan, state=CertificateState.ACTIVE)
    # the programs' tokens: one used, one revoked (its audit events too), one valid for the URLs
    billing = api_services.create_token(name="Facturation", scopes=list(Scope), requests_per_minute=600, actor=admin)
    api_services.record_use(billing.token, "192.0.2.10")
    record_event(EventKind.API_CALL, summary="GET /api/v1/practitioners/ → 200", details={
        "client": "Facturation", "method": "GET", "path": "/api/v1/practitioners/", "query": "page=2", "status": 200,
    })
    api_services.revoke_token(
        api_services.create_token(name="Agenda", scopes=[Scope.REGISTRY], requests_per_minute=60, actor=admin).token, actor=admin
    )
    return {"public_id": jan.public_id, "certificate_id": certificate.public_id, "token": token, "token_id": billing.token.public_id}


def client_for(role: str, language: str) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    if role != "anonymous":
        client.force_login(User.objects.get(username=ROLES[role]))
    return client


def test_every_page_speaks_one_language(demo_world):
    foreign = {language: foreign_strings(language) for language in LANGUAGES}
    codes = machine_codes()
    found, rendered = [], 0
    for name, methods in sorted(EXPECTED.items()):
        roles = [role for role, answer in methods["GET"].items() if answer == 200 and role in (*ROLES, "anonymous")]
        for role in roles:
            for language in LANGUAGES:
                response = client_for(role, language).get(url_for(name, demo_world))
                if not response["Content-Type"].startswith("text/html"):
                    continue
                rendered += 1
                found += [f"{name} as {role} in {language}: {problem}"
                          for problem in problems_in(response.content.decode(), foreign[language], codes)]
    assert rendered >= 30, rendered
    assert not found, "\n".join(sorted(set(found)))


def test_the_checker_sees_an_english_badge_a_french_label_in_dutch_and_a_code():
    page = (
        '<td><span class="badge">expired 09/11/2026</span></td><td>Refus : wrong_password</td>'
        '<script>var label = "Expired";</script><input placeholder="jj/mm/aaaa"><td>Expiré le 09/11/2026</td>'
        '<code translate="no">last_name;first_names</code><option>Nom (décroissant)</option><option>English</option>'
        '<option>%s (aflopend)</option>'
    )
    assert problems_in(page, foreign_strings("fr"), machine_codes()) == [
        "other language: 'expired 09/11/2026'", "code: 'Refus : wrong_password'",
        "other language: '%s (aflopend)'", "placeholder: '%s (aflopend)'",
    ]
    assert "other language: 'Nom (décroissant)'" in problems_in(page, foreign_strings("nl"), machine_codes())
