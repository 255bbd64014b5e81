"""A real OCSP responder for tests: ``openssl ocsp -index ... -port ...`` on 127.0.0.1, and a
responder that accepts connections and never answers.

The responder signs with a delegated responder certificate of the production test PKI. Tests
issue certificates whose Authority Information Access names ``responder.url``, then say what the
responder answers for them with :meth:`OpensslResponder.set` (rewrites index.txt, which the
running responder reloads): good, revoked, or unknown when the certificate is not in the index.
"""

from __future__ import annotations

import select
import shutil
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from tests import pki


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_listening(process: subprocess.Popen, timeout: float = 10.0) -> None:
    """Until openssl prints its ACCEPT line (a probing connection would hold the one-at-a-time server)."""
    ready, _, _ = select.select([process.stdout], [], [], timeout)
    line = process.stdout.readline() if ready else b""
    if not line.startswith(b"ACCEPT"):
        process.kill()
        raise RuntimeError(f"openssl ocsp did not start: {line!r} {process.stderr.read().decode(errors='replace')}")


class OpensslResponder:
    def __init__(self, directory: Path, ca: pki.Pki) -> None:
        self.ca = ca
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.index = directory / "index.txt"
        self.rows: dict[int, pki.IndexRow] = {}
        self.signer = pki.ocsp_responder_certificate(ca)
        self._paths = {
            "ca": directory / "ca.pem",
            "rsigner": directory / "responder.pem",
            "rkey": directory / "responder.key",
        }
        self._paths["ca"].write_bytes(pki.pem_certificate(ca.issuing.cert))
        self._paths["rsigner"].write_bytes(pki.pem_certificate(self.signer.cert))
        self._paths["rkey"].write_bytes(
            self.signer.key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        pki.write_openssl_index(self.index, [])
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = [
            shutil.which("openssl") or "openssl", "ocsp",
            "-index", str(self.index), "-port", str(self.port),
            "-rsigner", str(self._paths["rsigner"]), "-rkey", str(self._paths["rkey"]),
            "-CA", str(self._paths["ca"]), "-nmin", "60",
        ]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        _wait_listening(self.process)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None

    def set(self, cert: x509.Certificate, *, revoked_at: datetime | None = None, reason: str = "keyCompromise") -> None:
        """Answer good for ``cert`` (or revoked since ``revoked_at``)."""
        self.rows[cert.serial_number] = pki.IndexRow(cert, revoked_at, reason)
        # The responder notices a change by the file's modification time, in whole seconds, and
        # only between two requests: one throwaway request makes it reload the index.
        time.sleep(1.05)
        pki.write_openssl_index(self.index, list(self.rows.values()))
        request = ocsp.OCSPRequestBuilder().add_certificate(self.signer.cert, self.ca.issuing.cert, hashes.SHA1()).build()
        post = urllib.request.Request(self.url, data=request.public_bytes(serialization.Encoding.DER), method="POST")
        with urllib.request.urlopen(post, timeout=5) as response:
            response.read()

    def person_certificate(self, **kwargs) -> pki.Issued:
        """A person certificate of the responder's PKI whose AIA names this responder."""
        return pki.person_certificate(self.ca, ocsp_url=self.url, **kwargs)


class SilentResponder:
    """Accepts TCP connections, reads nothing and answers nothing until stopped."""

    def __init__(self) -> None:
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(16)
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}"
        self.connections: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            self.connections.append(connection)

    def stop(self) -> None:
        self.server.close()
        for connection in self.connections:
            connection.close()


@pytest.fixture(scope="session")
def ocsp_responder(tmp_path_factory) -> Iterator[OpensslResponder]:
    responder = OpensslResponder(tmp_path_factory.mktemp("ocsp"), pki.production_pki())
    responder.start()
    try:
        yield responder
    finally:
        responder.stop()


@pytest.fixture
def silent_responder() -> Iterator[SilentResponder]:
    responder = SilentResponder()
    try:
        yield responder
    finally:
        responder.stop()
