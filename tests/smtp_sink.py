"""A real SMTP server for tests (aiosmtpd in a thread): records every message, can refuse or be slow.

Use the ``smtp_sink`` fixture (tests/conftest.py offers it to every test), and point Django at
it with ``sink.django_settings(settings)``; a separate process (a Celery worker) gets
``EMAIL_URL=sink.url``. A message is recorded as soon as its data arrives, before the reply:
like a real server, the sink keeps a message whose client died before reading the "250".
"""
from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller


@dataclass
class Received:
    envelope_from: str
    envelope_to: list[str]
    message: EmailMessage

    @property
    def message_id(self) -> str:
        return self.message["Message-ID"]

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def body(self, subtype: str = "plain") -> str:
        part = self.message.get_body(preferencelist=(subtype,))
        return part.get_content() if part is not None else ""


@dataclass
class SmtpSink:
    """The handler: ``refuse_with`` (an SMTP reply such as "451 ...") refuses every message, ``refuse_next``
    only that many; ``delay`` slows the reply to each accepted message."""

    refuse_with: str | None = None
    refuse_next: int = 0
    delay: float = 0.0
    received: list[Received] = field(default_factory=list)
    refused: int = 0
    port: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        with self._lock:
            if self.refuse_with or self.refuse_next > 0:
                self.refuse_next = max(self.refuse_next - 1, 0)
                self.refused += 1
                return self.refuse_with or "451 4.3.0 Try again later"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        if self.delay:
            await asyncio.sleep(self.delay)
        return "250 Message accepted for delivery"

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def messages(self) -> list[Received]:
        with self._lock:
            return list(self.received)

    def django_settings(self, settings) -> None:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = self.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_TIMEOUT = 10

    def wait_for(self, count: int, timeout: float = 30.0) -> list[Received]:
        """The messages once at least ``count`` arrived (fails the test after ``timeout`` seconds)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            messages = self.messages
            if len(messages) >= count:
                return messages
            time.sleep(0.05)
        pytest.fail(f"the SMTP sink received {len(self.messages)} message(s), expected {count} within {timeout}s")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_sink():
    sink = SmtpSink(port=free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    yield sink
    controller.stop()
