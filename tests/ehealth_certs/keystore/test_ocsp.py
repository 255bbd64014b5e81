"""ehealth_certs.keystore.ocsp: real requests to a real responder (openssl ocsp), and responses that must not be believed."""
from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509 import ocsp as x509_ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID

from ehealth_certs.keystore import ocsp
from tests import pki

NOW = pki.NOW


@pytest.fixture(scope="module")
def production() -> pki.Pki:
    return pki.production_pki()


# --------------------------------------------------------------------------- a real responder


@pytest.mark.slow
def test_a_real_responder_answers_good_revoked_and_unknown(ocsp_responder, production) -> None:
    good = ocsp_responder.person_certificate(key_index=14)
    revoked = ocsp_responder.person_certificate(key_index=15)
    unknown = ocsp_responder.person_certificate(key_index=16)
    revoked_at = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    ocsp_responder.set(good.cert)
    ocsp_responder.set(revoked.cert, revoked_at=revoked_at, reason="keyCompromise")
    now = datetime.now(UTC)

    assert ocsp.check(good.cert, production.issuing.cert, now=now) == ocsp.OcspAnswer(ocsp.OcspStatus.GOOD, ocsp_responder.url)
    answer = ocsp.check(revoked.cert, production.issuing.cert, now=now)
    assert (answer.status, answer.revoked_at, answer.reason) == (ocsp.OcspStatus.REVOKED, revoked_at, "keyCompromise")
    assert ocsp.check(unknown.cert, production.issuing.cert, now=now).status == ocsp.OcspStatus.UNKNOWN


def test_a_responder_that_never_answers_fails_after_the_timeout(silent_responder, production) -> None:
    certificate = pki.person_certificate(production, ocsp_url=silent_responder.url).cert
    started = time.monotonic()

    answer = ocsp.check(certificate, production.issuing.cert, now=NOW, settings=ocsp.OcspSettings(timeout=0.5))

    assert answer.status == ocsp.OcspStatus.FAILED and "timed out" in answer.detail
    assert time.monotonic() - started < 3


def test_a_closed_port_fails(production) -> None:
    from tests.ocsp_responder import free_port

    url = f"http://127.0.0.1:{free_port()}"
    certificate = pki.person_certificate(production, ocsp_url=url).cert
    assert ocsp.check(certificate, production.issuing.cert, now=NOW).status == ocsp.OcspStatus.FAILED


def test_a_certificate_without_a_responder_fails_without_a_request(production) -> None:
    certificate = pki.person_certificate(production).cert
    assert ocsp.responder_url(certificate) == ""
    assert ocsp.check(certificate, production.issuing.cert, now=NOW).status == ocsp.OcspStatus.FAILED


def test_only_http_responders_are_asked(production) -> None:
    certificate = pki.person_certificate(production, ocsp_url="file:///etc/passwd").cert
    assert ocsp.responder_url(certificate) == ""
    assert ocsp.check(certificate, production.issuing.cert, now=NOW).detail.startswith("the certificate names no")


# --------------------------------------------------------------------------- crafted responses


class _Canned(http.server.BaseHTTPRequestHandler):
    body = b""

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Type", "application/ocsp-response")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def canned() -> Iterator[http.server.HTTPServer]:
    """An HTTP server answering every POST with ``server.RequestHandlerClass.body``."""
    handler = type("Handler", (_Canned,), {})
    server = http.server.HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _url(server: http.server.HTTPServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


def _response(
    certificate: x509.Certificate,
    issuer: pki.Issued,
    *,
    signer: pki.Issued | None = None,
    status: x509_ocsp.OCSPCertStatus = x509_ocsp.OCSPCertStatus.GOOD,
    this_update: datetime | None = None,
    next_update: datetime | None = None,
    extra_certificates: list[x509.Certificate] | None = None,
) -> bytes:
    signer = signer or issuer
    builder = (
        x509_ocsp.OCSPResponseBuilder()
        .add_response(
            cert=certificate, issuer=issuer.cert, algorithm=hashes.SHA1(), cert_status=status,
            this_update=this_update or datetime.now(UTC) - timedelta(minutes=1), next_update=next_update,
            revocation_time=None, revocation_reason=None,
        )
        .responder_id(x509_ocsp.OCSPResponderEncoding.HASH, signer.cert)
    )  # fmt: skip
    if extra_certificates:
        builder = builder.certificates(extra_certificates)
    from cryptography.hazmat.primitives.serialization import Encoding

    return builder.sign(signer.key, hashes.SHA256()).public_bytes(Encoding.DER)


def _delegated(production: pki.Pki, usages: list[x509.ObjectIdentifier]) -> pki.Issued:
    key = pki.rsa_key(pki.OCSP_RESPONDER_KEY)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name.from_rfc4514_string("CN=responder without the OCSP usage"))
        .issuer_name(production.issuing.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=30))
        .add_extension(x509.ExtendedKeyUsage(usages), critical=False)
        .sign(production.issuing.key, hashes.SHA256())
    )
    return pki.Issued(key, certificate)


def _ask(server, certificate: x509.Certificate, production: pki.Pki, body: bytes) -> ocsp.OcspAnswer:
    server.RequestHandlerClass.body = body
    return ocsp.check(certificate, production.issuing.cert, now=datetime.now(UTC), url=_url(server))


def test_a_response_signed_by_the_issuer_itself_is_believed(canned, production) -> None:
    certificate = pki.person_certificate(production).cert
    assert _ask(canned, certificate, production, _response(certificate, production.issuing)).status == ocsp.OcspStatus.GOOD


def test_a_response_signed_by_another_key_is_not_believed(canned, production) -> None:
    certificate = pki.person_certificate(production).cert
    forged = _response(certificate, production.issuing, signer=pki.rogue_pki().issuing)
    answer = _ask(canned, certificate, production, forged)
    assert answer.status == ocsp.OcspStatus.FAILED and "signed by neither" in answer.detail


def test_a_delegated_responder_needs_the_ocsp_signing_usage(canned, production) -> None:
    certificate = pki.person_certificate(production).cert
    for usages, expected in (
        ([ExtendedKeyUsageOID.OCSP_SIGNING], ocsp.OcspStatus.GOOD),
        ([ExtendedKeyUsageOID.CLIENT_AUTH], ocsp.OcspStatus.FAILED),
    ):
        responder = _delegated(production, usages)
        body = _response(certificate, production.issuing, signer=responder, extra_certificates=[responder.cert])
        assert _ask(canned, certificate, production, body).status == expected


def test_a_response_about_another_certificate_is_not_believed(canned, production) -> None:
    asked = pki.person_certificate(production).cert
    other = pki.person_certificate(production, key_index=pki.OTHER_KEY).cert
    answer = _ask(canned, asked, production, _response(other, production.issuing))
    assert answer.status == ocsp.OcspStatus.FAILED and "not about the certificate" in answer.detail


def test_a_stale_or_future_response_is_not_believed(canned, production) -> None:
    certificate = pki.person_certificate(production).cert
    now = datetime.now(UTC)
    stale = _response(certificate, production.issuing, this_update=now - timedelta(days=2), next_update=now - timedelta(days=1))
    future = _response(certificate, production.issuing, this_update=now + timedelta(hours=1))
    old = _response(certificate, production.issuing, this_update=now - timedelta(days=30))
    for body in (stale, future, old):
        assert _ask(canned, certificate, production, body).status == ocsp.OcspStatus.FAILED


def test_an_unsuccessful_or_garbled_response_is_not_believed(canned, production) -> None:
    certificate = pki.person_certificate(production).cert
    from cryptography.hazmat.primitives.serialization import Encoding

    refused = x509_ocsp.OCSPResponseBuilder.build_unsuccessful(x509_ocsp.OCSPResponseStatus.TRY_LATER).public_bytes(Encoding.DER)
    assert "TRY_LATER" in _ask(canned, certificate, production, refused).detail
    assert _ask(canned, certificate, production, b"<html>proxy error</html>").status == ocsp.OcspStatus.FAILED


def test_a_redirecting_responder_is_not_followed(production) -> None:
    class Redirect(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            self.send_response(302)
            self.send_header("Location", "http://127.0.0.1:9/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        certificate = pki.person_certificate(production).cert
        answer = ocsp.check(certificate, production.issuing.cert, now=NOW, url=_url(server))
    finally:
        server.shutdown()
        server.server_close()
    assert answer.status == ocsp.OcspStatus.FAILED and "redirects (302)" in answer.detail
