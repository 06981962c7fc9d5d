"""A worker's first request, paid before it takes any: imports, templates, catalogs and the search analysers.

Django imports the views when the first request resolves a URL, compiles each template the first time it is
used, and loads each language's catalog on first use; the search loads its Chinese dictionary and stemmers
on its first query. Together they made a fresh worker's first search page take about 2 s, during which
every request queued behind it waited (at 32 connections, the p90 of the first ten seconds went from 11 ms
to 0.5 s: bench/throughput.py). ``clearinghouse.wsgi`` calls :func:`warm_up` as each worker loads the
application (``WARM_UP=0`` skips it). It reads nothing from the database and opens no index, so it is safe
in a master process that forks its workers (``gunicorn --preload``).
"""

from __future__ import annotations

import gc
import logging
import time
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)


def warm_up() -> float:
    """Load what a first request would load; the seconds it took. A failure is logged, never raised: the worker
    then pays for it on its first request, as it would have without this."""
    started = time.monotonic()
    for step in (_urls, _catalogs, _templates, _search_analysers):
        try:
            step()
        except Exception:  # (anything: warming up must never stop a worker from starting)
            logger.exception("Warming up failed at %s; the first request will do it.", step.__name__)
    # What is loaded now lives as long as the process (the Chinese dictionary alone is some 350,000 objects):
    # out of the garbage collector's sight, a full collection no longer walks it (about 0.1 s each time).
    gc.collect()
    gc.freeze()
    return time.monotonic() - started


def _urls() -> None:
    from django.urls import get_resolver
    from django.utils import translation

    resolver = get_resolver()
    resolver.url_patterns  # noqa: B018 (imports every view module)
    for code, _name in settings.LANGUAGES:  # (the table that reverses names to URLs is made per language)
        with translation.override(code):
            resolver.reverse_dict  # noqa: B018


def _catalogs() -> None:
    from django.utils import translation

    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Catalogue")


def _templates() -> None:
    """The project's own templates (those of installed packages are compiled when first used)."""
    from django.template import engines

    project = Path(settings.BASE_DIR) / "clearinghouse"
    for engine in engines.all():
        for directory in engine.template_dirs:
            root = Path(directory)
            if not root.is_relative_to(project):
                continue
            for path in sorted(root.rglob("*.html")) + sorted(root.rglob("*.txt")):
                engine.get_template(str(path.relative_to(root)))


def _search_analysers() -> None:
    from clearinghouse.catalog.search import analysis, text

    text.parse_query("fraude «мошенничество» الاحتيال 反诈骗")  # (compiles the folding's pattern)
    analysis.document_forms(["反", "诈", "骗"])  # (Chinese as single characters: loads the dictionary)
    for word in ("fraud", "fraude", "мошенничество", "الاحتيال", "fraudes"):
        analysis.word_forms(word)
