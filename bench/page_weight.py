"""Public page weight (DESIGN.md §6: ≤ 100 KB transferred, no external request).

Builds a throwaway SQLite database with the reference data and the illustrative demo catalogue,
fetches each public page with its stylesheet and script in-process, and prints a table: HTML bytes,
gzip-compressed bytes, assets (as WhiteNoise serves them compressed), total transferred, and requests
to other sites.

    .venv/bin/python bench/page_weight.py
"""

from __future__ import annotations

import gzip
import os
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TMP = tempfile.mkdtemp(prefix="ch174-bench-")
os.environ.update(DEBUG="0", HTTPS="0", VAR_DIR=TMP, CACHE_URL="locmem://", ALLOWED_HOSTS="testserver")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clearinghouse.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

PAGES = [
    "/en/",
    "/en/catalogue/",
    "/ar/catalogue/?q=fraud",
    "/en/catalogue/technologies/",
    "/en/member-states/",
    "/ar/member-states/",
    "/zh-hans/member-states/",
    "/fr/member-states/KE/",
    "/en/organizations/",
    "/en/sign-in/",
]
TARGET_KB = 100


def main() -> None:
    call_command("migrate", verbosity=0)
    call_command("load_reference_data", stdout=open(os.devnull, "w"), stderr=open(os.devnull, "w"))  # noqa: SIM115
    call_command("load_demo_data", stdout=open(os.devnull, "w"))  # noqa: SIM115
    call_command("collectstatic", interactive=False, verbosity=0)
    client = Client()
    asset_cache: dict[str, int] = {}
    rows = []
    for url in PAGES:
        html = client.get(url).content
        text = html.decode()
        external = re.findall(r"""(?:src|href)=["'](?:https?:)?//[^"']+""", text.split("<footer")[0])
        external = [e for e in external if "hreflang" not in e]
        assets = re.findall(r'(?:<link rel="stylesheet" href|<script src)="([^"]+)"', text)
        asset_bytes = 0
        for asset in assets:
            if asset not in asset_cache:
                response = client.get(asset, headers={"Accept-Encoding": "gzip"})
                asset_cache[asset] = len(b"".join(response.streaming_content))
            asset_bytes += asset_cache[asset]
        compressed = len(gzip.compress(html, 6))
        rows.append(
            (
                url,
                len(html),
                compressed,
                asset_bytes,
                len(html) + asset_bytes,
                compressed + asset_bytes,
                len(external),
            )
        )

    header = f"{'page':26} {'HTML':>8} {'HTML gz':>8} {'assets gz':>10} {'total':>8} {'total gz':>9} {'external':>9}"
    print(header)
    for url, raw, compressed, assets, total, total_gz, external in rows:
        flag = "" if total <= TARGET_KB * 1024 and not external else "  over target"
        print(f"{url:26} {raw:>8,} {compressed:>8,} {assets:>10,} {total:>8,} {total_gz:>9,} {external:>9}{flag}")
    print(f"\ntarget: ≤ {TARGET_KB} KB transferred, no external request. 'total' is the HTML as the app sends it")
    print("plus its assets (which WhiteNoise serves compressed); 'total gz' is the same behind a proxy that")
    print("compresses HTML. Assets are counted on every page, as on a first visit; after that the browser")
    print("keeps them (WhiteNoise sets far-future expiry on hashed names).")


if __name__ == "__main__":
    main()
