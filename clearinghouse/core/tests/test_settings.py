"""Settings come from the environment; production settings pass Django's deployment checks."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[3]
_SETTINGS_VARIABLES = {
    "DJANGO_SETTINGS_MODULE",
    "DEBUG",
    "HTTPS",
    "SECRET_KEY",
    "SECRET_KEY_FILE",
    "VAR_DIR",
    "CACHE_URL",
    "DATABASE_URL",
}


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in _SETTINGS_VARIABLES}
    return subprocess.run(  # noqa: S603 (fixed arguments)
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_reports_nothing_with_production_settings(tmp_path):
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "DEBUG",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="clearinghouse.example.org",
        VAR_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_a_malformed_boolean_in_the_environment_is_named_in_the_error(tmp_path):
    result = run_manage("check", DEBUG="maybe", VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in result.stderr


def test_a_missing_secret_key_file_is_named_in_the_error(tmp_path):
    result = run_manage("check", SECRET_KEY_FILE=str(tmp_path / "nope"), VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "SECRET_KEY_FILE=" in result.stderr and "No such file" in result.stderr


def test_without_a_key_one_is_generated_once_and_kept_private(tmp_path):
    first = run_manage("check", VAR_DIR=str(tmp_path))
    assert first.returncode == 0, first.stderr
    key_file = tmp_path / "secret_key"
    key = key_file.read_text()
    assert len(key) >= 50 and oct(key_file.stat().st_mode)[-3:] == "600"
    run_manage("check", VAR_DIR=str(tmp_path))
    assert key_file.read_text() == key


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite only")
def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path):
    result = run_manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.db import connection; c = connection.cursor(); "
        "print(c.execute('PRAGMA journal_mode').fetchone()[0], "
        "c.execute('PRAGMA busy_timeout').fetchone()[0])",
        DEBUG="1",
        VAR_DIR=str(tmp_path),
    )
    assert result.stdout.split() == ["wal", "20000"], result.stderr


def test_database_url_selects_postgresql():
    result = run_manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])",
        DEBUG="1",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/clearinghouse",
    )
    assert result.stdout.strip() == "django.db.backends.postgresql", result.stderr


def test_static_files_are_served_by_the_app_itself():
    assert "whitenoise.middleware.WhiteNoiseMiddleware" in settings.MIDDLEWARE


def test_the_migrations_match_the_models():
    result = run_manage("makemigrations", "--check", "--dry-run", DEBUG="1")
    assert result.returncode == 0, result.stdout
