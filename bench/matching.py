"""Matching assistance offers to requests (DESIGN.md §6: p95 < 100 ms to rank the offers for a request among 10,000
offers; the right offer in the top 3 on a hand-made set).

Builds a database of its own (``migrate``, ``load_reference_data``, then --offers synthetic offers and --requests
synthetic requests spread over the real taxonomy and the 194 Member States, with past engagements; reused on the
next run unless ``--rebuild``), then times ``matching.rank`` for --sample random open requests, each as a member of
the requesting state, and ``matching.requests_for_offer`` for a quarter as many random offers, each as a member of
the offerer. Then it times a search of the requests (``?q=`` on the assistance home at every stage, and the API's:
``assistance.search`` over the table of terms and the ``search_text`` column, the count and the first page of 25, as
a member of a random state) for a dozen queries in the six languages. Last, the hand-made set of the tests
(``assistance/tests/handmade.py``) is written into the same database and checked twice, in a transaction rolled
back: among the synthetic offers, and alone (the synthetic offers withdrawn).

    .venv/bin/python bench/matching.py [--offers 10000] [--requests 50000] [--sample 200]
        [--engines sqlite postgresql] [--workdir /tmp/ch174-bench] [--rebuild]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from _shared import code_version, measure_in_process, say, table

ROOT = Path(__file__).resolve().parents[1]
TARGET_MS = 100
#: A search's target, as the catalogue's (DESIGN.md §6): p95 at most 150 ms on SQLite, 300 ms on PostgreSQL.
SEARCH_TARGET_MS = {"sqlite": 150, "postgresql": 300}
#: The languages most spoken with each BDT region, first the most likely (a request asks for one or two of them).
REGION_LANGUAGES = {
    "africa": ["en", "fr", "ar"],
    "americas": ["es", "en", "fr"],
    "arab_states": ["ar", "en", "fr"],
    "asia_pacific": ["en", "zh-hans", "fr"],
    "cis": ["ru", "en"],
    "europe": ["en", "fr", "ru", "es"],
}
#: How often an offer works in each language.
OFFER_LANGUAGES = {"en": 0.85, "fr": 0.4, "es": 0.3, "ar": 0.15, "ru": 0.15, "zh-hans": 0.1}
#: A request's stage and how often (most are past their matching).
STAGE_SPREAD = {"open": 0.2, "matched": 0.1, "agreed": 0.1, "in_delivery": 0.1, "delivered": 0.05, "closed": 0.4}
STAGE_SPREAD["withdrawn"] = 1 - sum(STAGE_SPREAD.values())
#: What a synthetic request's need is made of: a few of these sentences, in the request's language.
NEED_SENTENCES = {
    "en": [
        "Our regulator needs help to detect SIM boxes that bypass the international gateways.",
        "We ask for training of investigators in handling electronic evidence.",
        "The national CIRT must be able to answer incidents reported by the operators.",
        "Help is needed to draft a law on cybercrime in line with international instruments.",
        "Mobile phone theft and the tampering of IMEI numbers are growing.",
        "Phishing campaigns target the customers of mobile money services.",
    ],
    "fr": [
        "Le régulateur souhaite détecter les boîtiers SIM qui contournent les passerelles internationales.",
        "Nous demandons la formation des enquêteurs à la preuve électronique.",
        "L'équipe nationale de réponse aux incidents doit traiter les signalements des opérateurs.",
        "La fraude à l'interconnexion et l'usurpation de numéros coûtent cher aux opérateurs.",
        "Un appui à la rédaction d'un avant-projet de loi sur la cybercriminalité est demandé.",
    ],
    "es": [
        "El regulador necesita detectar los SIM box que eluden las pasarelas internacionales.",
        "Pedimos formación para los investigadores en pruebas electrónicas.",
        "El robo de teléfonos móviles y la manipulación del IMEI aumentan.",
        "Se necesita apoyo para redactar una ley sobre ciberdelincuencia.",
    ],
    "ar": [
        "تحتاج الهيئة التنظيمية إلى كشف أجهزة تمرير المكالمات التي تتجاوز البوابات الدولية.",
        "نطلب تدريب المحققين على التعامل مع الأدلة الإلكترونية.",
        "يتزايد الاحتيال عبر الهاتف وسرقة الهواتف المحمولة.",
        "نحتاج إلى دعم في صياغة قانون لمكافحة الجرائم الإلكترونية.",
    ],
    "ru": [
        "Регулятору нужна помощь в выявлении SIM-боксов, обходящих международные шлюзы.",
        "Просим обучить следователей работе с электронными доказательствами.",
        "Растет число случаев телефонного мошенничества и кражи мобильных телефонов.",
        "Нужна помощь в подготовке закона о киберпреступности.",
    ],
    "zh-hans": [
        "监管机构需要检测绕过国际网关的SIM盒。",
        "我们请求培训调查人员处理电子证据。",
        "手机盗窃和篡改IMEI号码的情况在增加。",
        "需要协助起草打击网络犯罪的法律。",
    ],
}
#: The searches timed: common and rare words, other forms, a phrase, a prefix, Chinese, two words, in six languages.
SEARCHES = [
    "training",
    "investigators evidence",
    "SIM box",
    '"electronic evidence"',
    "interconn",
    "enquêteurs",
    "мошенничество",
    "احتيال",
    "手机盗窃",
    "robo teléfonos",
    "Kenya",
    "absentword",
]


def database_url(engine: str, args: argparse.Namespace) -> str:
    name = f"matching-{args.offers}-{args.requests}"
    if engine == "sqlite":
        return f"sqlite:///{args.workdir / (name + '.sqlite3')}"
    return f"{args.postgres.rstrip('/')}/{args.postgres_database}"


# -- building (in the measuring process) ---------------------------------------------------------------------------


def zipf_choice(rng: random.Random, items: list[Any], k: int) -> list[Any]:
    """``k`` distinct items, the first of the list more often (a few threats are asked about most)."""
    weights = [1 / (rank + 1) for rank in range(len(items))]
    chosen: list[Any] = []
    while len(chosen) < min(k, len(items)):
        item = rng.choices(items, weights)[0]
        if item not in chosen:
            chosen.append(item)
    return chosen


def generate(offers: int, requests: int, seed: int) -> dict[str, Any]:
    """Write the synthetic offers, requests and past engagements in bulk; how many of each."""
    from django.db import transaction
    from django.utils import timezone

    from clearinghouse.assistance import search
    from clearinghouse.assistance.models import (
        LIFECYCLE_OF_STAGE,
        AssistanceOffer,
        AssistanceRequest,
        Engagement,
        HelpKind,
        Modality,
    )
    from clearinghouse.catalog.models import Pillar, Threat
    from clearinghouse.core.progress import progress_bar
    from clearinghouse.core.visibility import TLP, Lifecycle
    from clearinghouse.countries.models import BDTRegion, MemberState, Organization

    rng = random.Random(seed)  # noqa: S311 (synthetic data)
    today, now = timezone.localdate(), timezone.now()
    threats = list(Threat.objects.filter(parent__isnull=False).order_by("?").values_list("pk", flat=True))
    rng.shuffle(threats)
    families = list(Threat.objects.filter(parent__isnull=True).values_list("pk", flat=True))
    pillars = list(Pillar.objects.values_list("pk", flat=True))
    states = list(MemberState.objects.values_list("pk", "bdt_region"))
    organizations = list(Organization.objects.values_list("pk", flat=True))
    kinds, modalities, regions = list(HelpKind.values), list(Modality.values), list(BDTRegion.values)
    batch = 2_000

    def offer_row(number: int) -> tuple[AssistanceOffer, list[int], list[int]]:
        owner = (
            {"owner_state_id": rng.choice(states)[0]}
            if rng.random() < 0.6
            else {"owner_organization_id": rng.choice(organizations)}
        )
        languages = [code for code, share in OFFER_LANGUAGES.items() if rng.random() < share] or ["en"]
        tlp = rng.choices([TLP.CLEAR, TLP.GREEN, TLP.AMBER], [0.1, 0.85, 0.05])[0]
        ends = rng.random()
        offer = AssistanceOffer(
            title=f"Synthetic offer {number}",
            description="Synthetic.",
            language=languages[0],
            kinds=rng.sample(kinds, rng.randint(1, 3)),
            languages=languages,
            regions=[] if rng.random() < 0.5 else rng.sample(regions, rng.randint(1, 2)),
            modalities=[] if rng.random() < 0.3 else rng.sample(modalities, rng.randint(1, 2)),
            capacity=rng.randint(1, 5),
            available_until=None
            if ends < 0.7
            else today + timedelta(days=rng.randint(-60, -1) if ends < 0.75 else rng.randint(1, 700)),
            tlp=tlp,
            lifecycle=Lifecycle.PUBLISHED if rng.random() < 0.95 else Lifecycle.WITHDRAWN,
            **owner,
        )
        expertise = zipf_choice(rng, threats, rng.randint(1, 4))
        if rng.random() < 0.1:
            expertise.append(rng.choice(families))
        return offer, expertise, rng.sample(pillars, rng.randint(1, 3))

    def request_row(number: int) -> tuple[AssistanceRequest, list[int], list[int]]:
        state, region = rng.choice(states)
        stage = rng.choices(list(STAGE_SPREAD), list(STAGE_SPREAD.values()))[0]
        spoken = REGION_LANGUAGES[region]
        languages = [spoken[0]] + ([rng.choice(spoken[1:])] if rng.random() < 0.4 else [])
        sentences = NEED_SENTENCES[languages[0]]
        need = " ".join(rng.sample(sentences, rng.randint(2, min(4, len(sentences)))))
        expertise = zipf_choice(rng, threats, rng.randint(1, 3))
        title = f"Synthetic request {number}"
        request = AssistanceRequest(
            title=title,
            need=need,
            language=languages[0],
            kinds=rng.sample(kinds, rng.randint(1, 2)),
            languages=languages,
            modality=rng.choice(modalities),
            stage=stage,
            lifecycle=LIFECYCLE_OF_STAGE[stage],
            opened_at=now - timedelta(days=rng.randint(0, 730)),
            owner_state_id=state,
            tlp=rng.choices([TLP.CLEAR, TLP.GREEN, TLP.AMBER], [0.1, 0.8, 0.1])[0],
            search_text=search.column([title, need]),  # as assistance.search writes it
        )
        return request, expertise, rng.sample(pillars, rng.randint(0, 2))

    def write(model: Any, make: Any, count: int, label: str) -> list[int]:
        through_threats, through_pillars = model.threats.through, model.pillars.through
        column = model._meta.model_name + "_id"
        ids: list[int] = []
        for start in progress_bar(range(0, count, batch), label=label, total=-(-count // batch)):
            rows = [make(number) for number in range(start, min(start + batch, count))]
            with transaction.atomic():
                made = model.objects.bulk_create([row[0] for row in rows])
                if made[0].pk is None:  # SQLite before returning ids: read them back
                    made = list(model.objects.order_by("-pk")[: len(rows)])[::-1]
                through_threats.objects.bulk_create(
                    through_threats(**{column: record.pk, "threat_id": t})
                    for record, row in zip(made, rows, strict=True)
                    for t in row[1]
                )
                through_pillars.objects.bulk_create(
                    through_pillars(**{column: record.pk, "pillar_id": p})
                    for record, row in zip(made, rows, strict=True)
                    for p in row[2]
                )
                search.write_terms(model, {record.pk: record.search_text for record in made})
            ids += [record.pk for record in made]
        return ids

    offer_ids = write(AssistanceOffer, offer_row, offers, "Synthetic offers")
    request_ids = write(AssistanceRequest, request_row, requests, "Synthetic requests")
    past = AssistanceRequest.objects.filter(stage__in=["agreed", "in_delivery", "delivered", "closed"])
    past_ids = list(past.values_list("pk", flat=True))
    pairs = {(rng.choice(past_ids), rng.choice(offer_ids)) for _ in range(len(past_ids))}
    engagements = [
        Engagement(
            request_id=r,
            offer_id=o,
            status=rng.choices([Engagement.Status.DELIVERED, Engagement.Status.CHOSEN], [0.8, 0.2])[0],
        )
        for r, o in pairs
    ]
    for start in progress_bar(range(0, len(engagements), batch), label="Past engagements"):
        Engagement.objects.bulk_create(engagements[start : start + batch])
    return {"offers": len(offer_ids), "requests": len(request_ids), "engagements": len(engagements)}


def build(args: argparse.Namespace) -> dict[str, Any]:
    from django.core.management import call_command

    from clearinghouse.assistance.models import AssistanceOffer

    marker = Path(os.environ["BENCH_MARKER"])
    if marker.exists() and not args.rebuild and AssistanceOffer.objects.count() >= args.offers:
        say("reusing the database; migrate …")
        call_command("migrate", "--noinput", verbosity=0)
        analyze()  # the tables a migration made
        return {**json.loads(marker.read_text()), "reused": True}
    started = time.monotonic()
    say("migrate, load_reference_data …")
    call_command("migrate", "--noinput", verbosity=0)
    call_command("load_reference_data", verbosity=0)
    record = generate(args.offers, args.requests, args.seed)
    analyze()
    record["build_s"] = round(time.monotonic() - started, 1)
    marker.write_text(json.dumps(record))
    return {**record, "reused": False}


def analyze() -> None:
    """The planner's statistics of every table, as the platform has them in time: on PostgreSQL as autovacuum
    gathers them (and the visibility map that lets an index be read alone), on SQLite as ``PRAGMA optimize`` at
    the end of a request does (``core.statistics``)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


# -- measuring --------------------------------------------------------------------------------------------------


def timings(durations: list[float]) -> dict[str, float]:
    ordered = sorted(durations)
    return {
        "p50": statistics.median(ordered),
        "p95": ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))],
        "max": ordered[-1],
        "n": len(ordered),
    }


def measure(args: argparse.Namespace) -> dict[str, Any]:
    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.db import connection, transaction

    from clearinghouse.assistance import matching
    from clearinghouse.assistance.models import AssistanceOffer, AssistanceRequest
    from clearinghouse.assistance.tests import handmade
    from clearinghouse.core.visibility import Lifecycle, Viewer
    from clearinghouse.countries.models import Organization

    built = build(args)
    rng = random.Random(args.seed + 1)  # noqa: S311 (a sample)
    open_ids = list(AssistanceRequest.objects.filter(stage__in=matching.OPEN_STAGES).values_list("pk", flat=True))
    sample = AssistanceRequest.objects.in_bulk(rng.sample(open_ids, args.sample))
    say(f"timing rank() for {len(sample)} requests …")
    rows: dict[str, Any] = {}
    firsts: dict[str, float] = {}
    durations, shown = [], []
    for number, request in enumerate(sample.values()):
        viewer = Viewer.audience(member_state_id=request.owner_state_id)
        started = time.perf_counter()
        found = matching.rank(request, viewer=viewer)
        elapsed = (time.perf_counter() - started) * 1000
        if number == 0:
            firsts["rank"] = elapsed
        if number >= 5:  # the first few warm the process up
            durations.append(elapsed)
        shown.append(len(found))
    rows["rank"] = {**timings(durations), "shown": statistics.mean(shown)}

    offer_ids = list(AssistanceOffer.objects.filter(lifecycle=Lifecycle.PUBLISHED).values_list("pk", flat=True))
    offers = AssistanceOffer.objects.in_bulk(rng.sample(offer_ids, max(args.sample // 4, 10)))
    say(f"timing requests_for_offer() for {len(offers)} offers …")
    durations, shown = [], []
    for number, offer in enumerate(offers.values()):
        viewer = Viewer.audience(member_state_id=offer.owner_state_id, organization_id=offer.owner_organization_id)
        started = time.perf_counter()
        found = matching.requests_for_offer(offer, viewer=viewer)
        elapsed = (time.perf_counter() - started) * 1000
        if number == 0:
            firsts["requests_for_offer"] = elapsed
        if number >= 3:
            durations.append(elapsed)
        shown.append(len(found))
    rows["requests_for_offer"] = {**timings(durations), "shown": statistics.mean(shown)}
    rows["search ?q="] = time_search(rng)

    say("after writes …")
    request, offer = next(iter(sample.values())), next(iter(offers.values()))
    viewer = Viewer.audience(member_state_id=request.owner_state_id)
    after: dict[str, float] = {}
    with transaction.atomic():
        # a write elsewhere on the platform (an organization renamed): the matching's indexes are kept
        Organization.objects.filter(pk=Organization.objects.order_by("pk").values("pk")[:1]).update(acronym="X")
        started = time.perf_counter()
        matching.rank(request, viewer=viewer)
        after["a write elsewhere"] = (time.perf_counter() - started) * 1000
        # a write a match reads (an offer's capacity): the offers' index is built again, once
        AssistanceOffer.objects.filter(pk=offer.pk).update(capacity=offer.capacity + 1)
        started = time.perf_counter()
        matching.rank(request, viewer=viewer)
        after["an offer changed"] = (time.perf_counter() - started) * 1000
        transaction.set_rollback(True)

    say("the hand-made set …")
    checks = {}
    with transaction.atomic():
        made = handmade.build()
        checks["among the synthetic offers"] = [(o.case.key, o.position) for o in handmade.check(made)]
        AssistanceOffer.objects.exclude(pk__in=[offer.pk for offer in made.offers.values()]).update(
            lifecycle=Lifecycle.WITHDRAWN
        )
        checks["alone"] = [(o.case.key, o.position) for o in handmade.check(made)]
        transaction.set_rollback(True)
    return {
        "engine": connection.vendor,
        "built": built,
        "rows": rows,
        "firsts": firsts,
        "after": after,
        "checks": checks,
    }


def time_search(rng: random.Random, rounds: int = 8) -> dict[str, float]:
    """A search of the requests as the home page at every stage and the API run it: the filter set with ``q``
    over what a member of a random state may see, the count and the first page of 25, ``rounds`` times each of
    ``SEARCHES`` (the first round warms up and is not counted)."""
    from clearinghouse.assistance import search, selectors
    from clearinghouse.assistance.filters import AssistanceRequestFilterSet
    from clearinghouse.assistance.models import AssistanceRequest
    from clearinghouse.core.paging import OnePassPaginator
    from clearinghouse.core.visibility import Viewer
    from clearinghouse.countries.models import MemberState

    if AssistanceRequest.objects.filter(search_text="").exists():  # a database built before search: fill it
        say("writing the search words of the requests …")
        search.refresh_all(AssistanceRequest.objects.filter(search_text=""))
    states = list(MemberState.objects.values_list("pk", flat=True))
    say(f"timing {len(SEARCHES)} searches × {rounds} …")
    durations, shown = [], []
    for round_number in range(rounds):
        for query in SEARCHES:
            viewer = Viewer.audience(member_state_id=rng.choice(states))
            started = time.perf_counter()
            visible = selectors.requests_for_list(viewer)
            filterset = AssistanceRequestFilterSet({"q": query, "stage": ""}, queryset=visible)
            page = OnePassPaginator(filterset.qs, 25, records=visible).get_page(1)
            listed = len(list(page))
            count = page.paginator.count
            elapsed = (time.perf_counter() - started) * 1000
            if round_number:
                durations.append(elapsed)
                shown.append(listed)
            if listed != min(count, 25):
                raise RuntimeError(f"{query!r}: {listed} listed of {count}")
    return {**timings(durations), "shown": statistics.mean(shown)}


# -- the tables ---------------------------------------------------------------------------------------------------


def report(results: list[dict[str, Any]], args: argparse.Namespace) -> None:
    print(f"Code measured: {code_version()}; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; load average {load()}")
    print()
    print(
        f"Ranking, ms per call, among {args.offers:,} offers and {args.requests:,} requests (each call as a member of"
    )
    print("the requesting state, or of the offerer; the first few calls of each kind warm up and are not counted);")
    print("a search of the requests, ms for the count and the first page (its target is the catalogue search's).")
    rows = []
    for result in results:
        for name, timing in result["rows"].items():
            target = SEARCH_TARGET_MS[result["engine"]] if name.startswith("search") else TARGET_MS
            rows.append(
                [
                    result["engine"],
                    f"{name}()" if name.isidentifier() else name,
                    f"{timing['n']}",
                    f"{timing['shown']:.1f}",
                    f"{timing['p50']:.1f}",
                    f"{timing['p95']:.1f}",
                    f"{timing['max']:.1f}",
                    f"{target}",
                    "met" if timing["p95"] < target else "MISSED",
                ]
            )
    header = ["engine", "call", "calls", "listed", "p50", "p95", "max", "target p95 <", "p95 < target"]
    print(table(header, rows, left=2))
    print()
    print("The first call of a process builds the index it reads (all offers, or all open requests) and keeps it")
    print("until something a match reads changes; ms for that first call, and for rank() after two kinds of write.")
    rows = []
    for result in results:
        rows.append(
            [
                result["engine"],
                f"{result['firsts']['rank']:.0f}",
                f"{result['firsts']['requests_for_offer']:.0f}",
                f"{result['after']['a write elsewhere']:.1f}",
                f"{result['after']['an offer changed']:.0f}",
            ]
        )
    header = [
        "engine",
        "first rank()",
        "first requests_for_offer()",
        "after a write elsewhere",
        "after an offer changed",
    ]
    print(table(header, rows, left=1))
    print()
    print("The hand-made set (assistance/tests/handmade.py): where the right offer came for each request (— : not")
    print("listed); the target is the top 3 for each.")
    rows = []
    for result in results:
        for where, found in result["checks"].items():
            hits = sum(1 for _key, position in found if position is not None and position <= 3)
            positions = " ".join(f"{key}:{position or '—'}" for key, position in found)
            rows.append([result["engine"], where, f"{hits} of {len(found)}", positions])
    print(table(["engine", "ranked", "in top 3", "position of the right offer"], rows, left=4))
    print()
    builds = [
        [
            r["engine"],
            f"{r['built']['offers']:,}",
            f"{r['built']['requests']:,}",
            f"{r['built']['engagements']:,}",
            "reused" if r["built"]["reused"] else f"{r['built']['build_s']}",
        ]
        for r in results
    ]
    print(table(["engine", "offers", "requests", "past engagements", "build s"], builds))


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--offers", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=50_000)
    parser.add_argument("--sample", type=int, default=200, help="Requests timed (and a quarter as many offers).")
    parser.add_argument("--engines", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite"])
    parser.add_argument("--rebuild", action="store_true", help="Build the database again even when complete.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "ch174-bench")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432", help="Server to build on.")
    parser.add_argument("--postgres-database", default="ch174_bench_matching", help="Built anew by --rebuild.")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args)))
        return
    args.workdir.mkdir(parents=True, exist_ok=True)
    results = []
    for engine in args.engines:
        url = database_url(engine, args)
        marker = args.workdir / f"matching-{engine}-{args.offers}-{args.requests}.complete.json"
        if engine == "postgresql":
            ensure_database(args, url, fresh=args.rebuild or not marker.exists())
        elif args.rebuild or not marker.exists():
            Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "clearinghouse.settings",
            "DATABASE_URL": url,
            "VAR_DIR": str(args.workdir / "var"),
            "SEARCH_INDEX_DIR": str(args.workdir / f"index-matching-{engine}"),
            "CACHE_URL": "locmem://",
            "LOG_LEVEL": "WARNING",
            "DEBUG": "0",
            "BENCH_MARKER": str(marker),
        }
        arguments = [f"--offers={args.offers}", f"--requests={args.requests}", f"--sample={args.sample}"]
        arguments += [f"--seed={args.seed}"] + (["--rebuild"] if args.rebuild else [])
        say(f"[{engine}] {url}")
        results.append(measure_in_process(__file__, arguments, env, engine))
    report(results, args)


def ensure_database(args: argparse.Namespace, url: str, *, fresh: bool) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(f"{args.postgres.rstrip('/')}/postgres", autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None
        if exists and not fresh:
            return
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {name}")


if __name__ == "__main__":
    main()
