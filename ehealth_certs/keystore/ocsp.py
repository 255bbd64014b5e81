"""Ask a certificate's OCSP responder whether it is revoked (RFC 6960; no Django).

:func:`check` builds the request with ``cryptography``, POSTs it over HTTP with a timeout (the
standard library's urllib), and believes the answer only once it is verified: status
successful, a single response for the very certificate asked about, a signature by the issuer
or by a responder certificate the issuer delegated (OCSP-signing extended key usage), and
thisUpdate/nextUpdate around now. Anything else is an answer of status ``failed``: the caller
reports it as "not known", never as good. It never raises.
"""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID

from ehealth_certs.keystore.trust import signed_by

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 5.0  # seconds, to connect and for each read
MAX_RESPONSE_BYTES = 64 * 1024
CLOCK_SKEW = timedelta(minutes=5)
MAX_AGE_WITHOUT_NEXT_UPDATE = timedelta(days=7)
_SCHEMES = ("http://", "https://")


class OcspStatus(StrEnum):
    GOOD = "good"
    REVOKED = "revoked"
    UNKNOWN = "unknown"  # the responder does not know the certificate
    FAILED = "failed"  # no verified answer: unreachable, timeout, malformed, bad signature, stale


@dataclass(frozen=True)
class OcspSettings:
    """How to ask: the timeout in seconds (connect and read)."""

    timeout: float = DEFAULT_TIMEOUT


@dataclass(frozen=True)
class OcspAnswer:
    status: OcspStatus
    url: str = ""
    revoked_at: datetime | None = None
    reason: str = ""  # the CRL reason's RFC 5280 name, e.g. "keyCompromise"; "" when none was given
    detail: str = ""  # why a check failed, in English, for logs

    @property
    def conclusive(self) -> bool:
        """The responder said good or revoked, verifiably."""
        return self.status in (OcspStatus.GOOD, OcspStatus.REVOKED)


class _Unverified(Exception):
    pass


def responder_url(certificate: x509.Certificate) -> str:
    """The first http(s) OCSP responder named in Authority Information Access, or ""."""
    try:
        access = certificate.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    except (x509.ExtensionNotFound, ValueError):
        return ""
    for description in access:
        location = description.access_location
        if (
            description.access_method == AuthorityInformationAccessOID.OCSP
            and isinstance(location, x509.UniformResourceIdentifier)
            and location.value.lower().startswith(_SCHEMES)
        ):
            return location.value
    return ""


def check(
    certificate: x509.Certificate,
    issuer: x509.Certificate,
    *,
    now: datetime,
    settings: OcspSettings = OcspSettings(),
    url: str | None = None,
) -> OcspAnswer:
    """The verified status of ``certificate`` (issued by ``issuer``) from its responder (or ``url``)."""
    url = responder_url(certificate) if url is None else url
    if not url.lower().startswith(_SCHEMES):
        return OcspAnswer(OcspStatus.FAILED, url, detail="the certificate names no http(s) OCSP responder")
    try:
        request = ocsp.OCSPRequestBuilder().add_certificate(certificate, issuer, hashes.SHA1()).build()
        body = _post(url, request.public_bytes(serialization.Encoding.DER), settings.timeout)
        return _read_answer(body, request, issuer, now, url)
    except _Unverified as exc:
        detail = str(exc)
    except (OSError, urllib.error.URLError, ValueError) as exc:  # socket.timeout is an OSError
        detail = f"{type(exc).__name__}: {exc}"
    except Exception as exc:  # a hostile or broken responder must never break an import or the scan
        logger.exception("unexpected error while checking %s", url)
        detail = f"{type(exc).__name__}: {exc}"
    logger.warning("OCSP check at %s failed: %s", url, detail)
    return OcspAnswer(OcspStatus.FAILED, url, detail=detail[:500])


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A responder answers itself: a redirect (possibly elsewhere) is a failed check."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        raise _Unverified(f"the responder redirects ({code})")


_OPENER = urllib.request.build_opener(_NoRedirect)


def _post(url: str, body: bytes, timeout: float) -> bytes:
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/ocsp-request", "Accept": "application/ocsp-response"},
    )
    with _OPENER.open(request, timeout=timeout) as response:  # scheme checked by the caller
        data = response.read(MAX_RESPONSE_BYTES + 1)
    if len(data) > MAX_RESPONSE_BYTES:
        raise _Unverified(f"response larger than {MAX_RESPONSE_BYTES} bytes")
    return data


def _read_answer(
    body: bytes,
    request: ocsp.OCSPRequest,
    issuer: x509.Certificate,
    now: datetime,
    url: str,
) -> OcspAnswer:
    try:
        response = ocsp.load_der_ocsp_response(body)
    except ValueError as exc:
        raise _Unverified(f"not an OCSP response: {exc}") from exc
    if response.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
        raise _Unverified(f"responder status {response.response_status.name}")
    single = _single_response(response, request)
    _verify_signature(response, issuer, now)
    _check_times(single, now)
    if single.certificate_status == ocsp.OCSPCertStatus.GOOD:
        return OcspAnswer(OcspStatus.GOOD, url)
    if single.certificate_status == ocsp.OCSPCertStatus.REVOKED:
        reason = single.revocation_reason.value if single.revocation_reason is not None else ""
        return OcspAnswer(OcspStatus.REVOKED, url, revoked_at=single.revocation_time_utc, reason=reason)
    return OcspAnswer(OcspStatus.UNKNOWN, url, detail="the responder does not know this certificate")


def _single_response(response: ocsp.OCSPResponse, request: ocsp.OCSPRequest) -> ocsp.OCSPSingleResponse:
    """The one response whose certificate id is the request's (same hashes of the issuer, same serial)."""
    matching = [
        single
        for single in response.responses
        if single.serial_number == request.serial_number
        and single.issuer_key_hash == request.issuer_key_hash
        and single.issuer_name_hash == request.issuer_name_hash
        and isinstance(single.hash_algorithm, type(request.hash_algorithm))
    ]
    if len(matching) != 1:
        raise _Unverified("the response is not about the certificate asked for")
    return matching[0]


def _verify_signature(response: ocsp.OCSPResponse, issuer: x509.Certificate, now: datetime) -> None:
    """Signed by the issuer itself, or by a responder certificate of the response that the issuer
    issued with the OCSP-signing extended key usage and that is valid now."""
    if _names_responder(response, issuer):
        signer = issuer
    else:
        signer = next((cert for cert in response.certificates if _names_responder(response, cert)), None)
        if signer is None:
            raise _Unverified("the response is signed by neither the issuer nor a responder certificate it carries")
        _check_delegation(signer, issuer, now)
    _verify(signer.public_key(), response.signature, response.tbs_response_bytes, response.signature_hash_algorithm)


def _names_responder(response: ocsp.OCSPResponse, certificate: x509.Certificate) -> bool:
    if response.responder_key_hash is not None:
        try:
            key_hash = x509.SubjectKeyIdentifier.from_public_key(certificate.public_key()).digest
        except (ValueError, UnsupportedAlgorithm):
            return False
        return key_hash == response.responder_key_hash
    return response.responder_name == certificate.subject


def _check_delegation(responder: x509.Certificate, issuer: x509.Certificate, now: datetime) -> None:
    if responder.issuer != issuer.subject:
        raise _Unverified("the responder certificate was not issued by the certificate's issuer")
    if not signed_by(responder, issuer):
        raise _Unverified("the responder certificate's signature does not verify with the issuer")
    try:
        usages = responder.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except (x509.ExtensionNotFound, ValueError) as exc:
        raise _Unverified("the responder certificate has no extended key usage") from exc
    if ExtendedKeyUsageOID.OCSP_SIGNING not in usages:
        raise _Unverified("the responder certificate is not allowed to sign OCSP responses")
    if not responder.not_valid_before_utc <= now <= responder.not_valid_after_utc:
        raise _Unverified("the responder certificate is not valid now")


def _verify(public_key, signature: bytes, data: bytes, algorithm: hashes.HashAlgorithm | None) -> None:
    try:
        if isinstance(public_key, rsa.RSAPublicKey) and algorithm is not None:
            public_key.verify(signature, data, padding.PKCS1v15(), algorithm)
        elif isinstance(public_key, ec.EllipticCurvePublicKey) and algorithm is not None:
            public_key.verify(signature, data, ec.ECDSA(algorithm))
        else:
            raise _Unverified("unsupported signature algorithm")
    except InvalidSignature as exc:
        raise _Unverified("the response's signature does not verify") from exc


def _check_times(single: ocsp.OCSPSingleResponse, now: datetime) -> None:
    if single.this_update_utc > now + CLOCK_SKEW:
        raise _Unverified("the response's thisUpdate is in the future")
    if single.next_update_utc is not None and single.next_update_utc < now - CLOCK_SKEW:
        raise _Unverified("the response is stale (nextUpdate has passed)")
    if single.next_update_utc is None and single.this_update_utc < now - MAX_AGE_WITHOUT_NEXT_UPDATE:
        raise _Unverified("the response is stale (thisUpdate is too old)")
