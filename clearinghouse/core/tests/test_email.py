"""E-mail is a real component: the settings reach any SMTP server, and the tests' own server reads what arrived."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.core.mail import EmailMultiAlternatives, get_connection, send_mail

ROOT = Path(__file__).resolve().parents[3]
EMAIL_SETTINGS = ["EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER", "EMAIL_USE_TLS", "EMAIL_USE_SSL"]


def settings_with(**environment: str) -> dict[str, Any]:
    """The e-mail settings the project reads from this environment (in a fresh interpreter)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("EMAIL_") and k != "DJANGO_SETTINGS_MODULE"}
    script = (
        "import json, clearinghouse.settings as s; "
        f"print(json.dumps({{name: getattr(s, name) for name in {EMAIL_SETTINGS!r}}}))"
    )
    result = subprocess.run(  # noqa: S603 (fixed arguments)
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**clean, "SECRET_KEY": "x" * 50, **environment},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    values: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return values


def test_a_message_sent_through_the_smtp_settings_arrives_with_its_headers_and_both_parts(smtp_server, settings):
    message = EmailMultiAlternatives(
        "Sujet accentué",
        "Le texte : https://example.org/a?b=1",
        settings.DEFAULT_FROM_EMAIL,
        ["someone@example.org"],
        headers={"Content-Language": "fr"},
    )
    message.attach_alternative('<p><a href="https://example.org/a?b=1&amp;c=2">lien</a></p>', "text/html")
    message.send()
    arrived = smtp_server.only_message()
    assert arrived.envelope_to == ["someone@example.org"]
    assert arrived["Subject"] == "Sujet accentué"
    assert arrived["Content-Language"] == "fr"
    assert arrived.content_types == ["multipart/alternative", "text/plain", "text/html"]
    assert arrived.links() == ["https://example.org/a?b=1"]
    assert arrived.links("html") == ["https://example.org/a?b=1&c=2"]


def test_the_default_settings_print_messages_to_the_console_when_no_smtp_server_is_named(capsys):
    connection = get_connection("django.core.mail.backends.console.EmailBackend")
    send_mail("Printed", "Body of the printed message", "from@example.org", ["to@example.org"], connection=connection)
    assert "Body of the printed message" in capsys.readouterr().out


def test_the_smtp_settings_come_from_the_environment():
    values = settings_with(EMAIL_HOST="smtp.example.org", EMAIL_USE_SSL="1", EMAIL_HOST_USER="mailer")
    assert values["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (values["EMAIL_PORT"], values["EMAIL_USE_SSL"], values["EMAIL_USE_TLS"]) == (465, True, False)
    assert values["EMAIL_HOST_USER"] == "mailer"
    plain = settings_with()
    assert plain["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    assert (plain["EMAIL_PORT"], plain["EMAIL_USE_TLS"]) == (587, True)
