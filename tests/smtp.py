"""A real SMTP server on loopback for tests: what the platform sends goes through Django's SMTP backend, over
a socket, and is read back as a mail reader would read it.

Use the ``smtp_server`` fixture (conftest.py): it starts the server on a free port, points the settings at it
and gives an :class:`SmtpServer` whose ``messages`` are what arrived, parsed by the ``email`` package::

    def test_it_writes_in_the_reader_s_language(smtp_server):
        ...  # something that sends
        message = smtp_server.only_message()
        assert message["Content-Language"] == "fr"
        assert "https://" in message.text
"""

from __future__ import annotations

import email
import logging
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

from aiosmtpd.controller import Controller

logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd narrates every command at INFO

LINK = re.compile(r"https?://[^\s\"'<>]+")


@dataclass
class ReceivedMessage:
    """One message as it arrived: the envelope (who the server was told it is from and to) and the message."""

    envelope_from: str
    envelope_to: list[str]
    message: EmailMessage

    def __getitem__(self, header: str) -> Any:
        return self.message[header]

    def _part(self, content_type: str) -> str:
        part = self.message.get_body(preferencelist=(content_type.split("/")[1],))
        if part is None or part.get_content_type() != content_type:
            return ""
        content: str = part.get_content()
        return content

    @property
    def text(self) -> str:
        """The plain-text body (empty when there is none)."""
        return self._part("text/plain")

    @property
    def html(self) -> str:
        """The HTML alternative (empty when there is none)."""
        return self._part("text/html")

    @property
    def content_types(self) -> list[str]:
        return [part.get_content_type() for part in self.message.walk()]

    def links(self, part: str = "text") -> list[str]:
        """The addresses in the plain text (``part="html"``: in the HTML's ``href``s and text), in order."""
        body = self.text if part == "text" else self.html
        return [link.replace("&amp;", "&") for link in LINK.findall(body)]


class _Collector:
    def __init__(self, server: SmtpServer):
        self.server = server

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=default_policy)
        assert isinstance(message, EmailMessage)
        with self.server.lock:
            self.server.messages.append(
                ReceivedMessage(envelope_from=envelope.mail_from, envelope_to=list(envelope.rcpt_tos), message=message)
            )
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class SmtpServer:
    """An SMTP server on 127.0.0.1 that keeps every message it is given (no TLS, no authentication)."""

    host: str = "127.0.0.1"
    port: int = 0
    messages: list[ReceivedMessage] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _controller: Controller | None = None

    def start(self) -> SmtpServer:
        self.port = self.port or _free_port()
        self._controller = Controller(_Collector(self), hostname=self.host, port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def settings(self) -> dict[str, Any]:
        """Django settings that send through this server."""
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": self.host,
            "EMAIL_PORT": self.port,
            "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "",
            "EMAIL_USE_TLS": False,
            "EMAIL_USE_SSL": False,
            "EMAIL_TIMEOUT": 10,
        }

    def wait_for(self, count: int, timeout: float = 5.0) -> list[ReceivedMessage]:
        """The messages, once at least ``count`` arrived (the server reads them on its own thread)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.01)
        raise AssertionError(f"{count} message(s) expected, {len(self.messages)} arrived")

    def only_message(self) -> ReceivedMessage:
        """The one message that arrived (fails when none or several did)."""
        arrived = self.wait_for(1)
        assert len(arrived) == 1, f"one message expected, {len(arrived)} arrived"
        return arrived[0]

    def to(self, address: str) -> list[ReceivedMessage]:
        """The messages addressed to ``address``."""
        with self.lock:
            return [m for m in self.messages if address in m.envelope_to]

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()
