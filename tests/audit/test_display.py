"""The audit log shows summaries and details in the reader's language, never a machine code,
including for events stored with an English summary by older code."""
import pytest
from django.urls import reverse
from django.utils import translation

from audit.display import event_details, event_summary
from audit.models import AuditEvent, EventKind
from audit.services import record_event
from ehealth_certs.refusal_reasons import REASONS, refusal_reason
from ehealth_certs.keystore.validation import ErrorCode

pytestmark = pytest.mark.django_db


def stored(kind, summary, details) -> AuditEvent:
    return record_event(kind, summary=summary, details=details)


@pytest.mark.parametrize(
    ("kind", "summary", "details", "french"),
    [
        (EventKind.KEYSTORE_PASSWORD_CHANGE_FAILED, "Keystore password change refused: wrong_password",
         {"error": "wrong_password", "stored": True}, "mauvais mot de passe du keystore"),
        (EventKind.CERTIFICATE_IMPORT_FAILED, "not_pkcs12", {"error": "not_pkcs12"}, "pas un keystore eHealth"),
        (EventKind.CERTIFICATE_IMPORT_FAILED, "identity_mismatch", {"error": "identity_mismatch"},
         "le certificat appartient à quelqu'un d'autre"),
        (EventKind.CERTIFICATE_REVOKED, "Certificate valid until 01/02/2027 revoked",
         {"reason": "key_compromised", "revocation_date": "2026-11-20"}, "Révoqué le 20/11/2026 : clé compromise"),
        (EventKind.KEYSTORE_PASSWORD_CHANGED, "Stored keystore re-encrypted under a new password", {"stored": True},
         "Keystore enregistré rechiffré avec un nouveau mot de passe"),
        (EventKind.REGISTRY_IMPORT, "created 1, updated 0", {"created": 1, "updated": 0, "periods_created": 0},
         "1 fiche créée, 0 fiche mise à jour"),
        (EventKind.EID_READ, "eID card read failed", {"error": "no_reader", "proof": False},
         "Échec de la lecture de la carte eID : Aucun lecteur de carte"),
    ],
)
def test_summaries_are_rebuilt_in_the_readers_language(kind, summary, details, french):
    event = stored(kind, summary, details)
    with translation.override("fr"):
        assert event_summary(event).startswith(french)


def test_details_are_labelled_and_read_in_the_readers_language():
    event = stored(EventKind.CERTIFICATE_REVOKED, "", {
        "certificate": "6a5995fa", "previous_state": "active", "reason": "key_compromised",
        "revocation_date": "2026-11-20", "error": "wrong_password", "stored": False, "unknown_key": "raw",
    })
    with translation.override("nl"):
        assert event_details(event) == [
            ("Certificaat", "6a5995fa"), ("Vorige toestand", "actief"), ("Reden", "sleutel gecompromitteerd"),
            ("Intrekkingsdatum", "20/11/2026"), ("Reden", "verkeerd wachtwoord van de keystore"),
            ("Opgeslagen keystore", "nee"),
        ]


def test_every_refusal_code_has_words():
    assert set(ErrorCode) <= set(REASONS)
    with translation.override("fr"):
        assert refusal_reason("some_future_code") == "refusé pour une autre raison"


def test_the_log_page_shows_no_code(client, administrator):
    stored(EventKind.KEYSTORE_PASSWORD_CHANGE_FAILED, "Keystore password change refused: wrong_password",
           {"error": "wrong_password", "failed_rules": ["confirmation"]})
    client.force_login(administrator)
    client.cookies["django_language"] = "fr"
    page = client.get(reverse("audit:list")).content.decode()
    assert "mauvais mot de passe du keystore" in page and "wrong_password" not in page
    assert "La confirmation ne correspond pas" in page and "refused" not in page


def test_a_revocation_seen_by_ocsp_reads_in_words():
    """The daily OCSP re-check records the responder's RFC 5280 reason and date, not the practice's."""
    event = stored(EventKind.CERTIFICATE_REVOKED, "Certificate valid until 01/02/2027 revoked by the CA (OCSP)", {
        "certificate": "6a5995fa", "serial": "42", "source": "ocsp", "ocsp_url": "http://ocsp.example",
        "reason": "keyCompromise", "revoked_at": "2026-11-20T09:30:00+00:00",
    })
    with translation.override("fr"):
        assert event_summary(event) == "Révoqué par l'autorité de certification le 20/11/2026 : clé compromise"
        details = event_details(event)
    assert ("Motif", "clé compromise") in details and ("Révoqué le", "20/11/2026") in details
    assert "keyCompromise" not in str(details) and "ocsp" not in str(details)


def test_a_service_tokens_events_read_in_words():
    """The scopes are codes of the API, which the audit log does not import: the API registers their words."""
    created = stored(EventKind.SERVICE_TOKEN_CREATED, "Facturation (oxy_Ab12Cd34…)", {
        "client": "Facturation", "scopes": ["certificates:read", "registry:read"], "requests_per_minute": 600,
    })
    with translation.override("nl"):
        assert event_details(created) == [
            ("Programma", "Facturation"),
            ("Mag lezen", "Status van het eHealth-certificaat, Register van de zorgverleners (fiches, RIZIV-nummers, FHIR)"),
            ("Oproepen per minuut", "600"),
        ]
        assert event_summary(created) == "Facturation (oxy_Ab12Cd34…)"


def test_an_api_call_reads_in_words_its_summary_is_data():
    call = stored(EventKind.API_CALL, "GET /api/v1/practitioners/ → 200", {
        "client": "Facturation", "method": "GET", "path": "/api/v1/practitioners/", "query": "page=2", "status": 200,
    })
    with translation.override("fr"):
        assert event_details(call) == [
            ("Logiciel", "Facturation"), ("Méthode", "GET"), ("Chemin", "/api/v1/practitioners/"),
            ("Paramètres de la requête", "page=2"), ("Réponse (statut HTTP)", "200"),
        ]
        assert event_summary(call) == "GET /api/v1/practitioners/ → 200"
