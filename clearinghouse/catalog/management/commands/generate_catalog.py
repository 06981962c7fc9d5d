"""Synthetic measures for benchmarks: ``manage.py generate_catalog --count 1000000 --seed 1``.

Every generated measure is marked illustrative and titled "[synthetic] …", so it is never taken for a
real contribution and never counted in reports. The words are drawn from a Zipf-distributed vocabulary
of pseudo-words in which a few real words sit at chosen ranks, so benchmark queries have rare, medium
and very common terms (``BENCHMARK_QUERIES``). The same seed gives the same measures, whatever the batch.

Rows are written in bulk (``core.bulk``: ``COPY`` on PostgreSQL), one transaction per batch, search
documents and facet postings included; the services are bypassed on purpose (they audit and version every
measure), and one audit row records the run. Each batch is added to the machine's search index once its
transaction has committed (``engine.Engine.appending``), so the index is current when the run ends and the
first search does not rebuild it; a run stopped half-way leaves whole batches, and an index that the next
search rebuilds.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from itertools import islice
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import reset_queries, transaction
from django.utils import timezone

from clearinghouse.catalog import search
from clearinghouse.catalog.models import Language, Measure, MeasureStatus, Pillar, Technology, Threat
from clearinghouse.catalog.search import engine, postings
from clearinghouse.catalog.search.text import normalize
from clearinghouse.core import audit, bulk
from clearinghouse.core.progress import progress_bar
from clearinghouse.core.visibility import TLP, Lifecycle, Sharing
from clearinghouse.countries.models import MemberState, Organization

#: Pseudo-words in the vocabulary, besides the placed real words; word of rank r has weight 1 / r.
VOCABULARY_SIZE = 5000
#: Real words at fixed Zipf ranks. With ~140 words a measure, rank 1 is in nearly every measure,
#: rank 47 in about 28 %, rank 900 in about 2 %, rank 4500 in about 0.4 %.
PLACED_WORDS = {
    1: "network",
    5: "mobile",
    30: "sim",
    47: "fraud",
    60: "swap",
    150: "register",
    400: "spam",
    900: "phishing",
    2000: "firewall",
    3000: "roaming",
    4000: "signalling",
    4500: "cybercrime",
}
#: Words outside the Zipf draw, put into a measure's description with this probability: rare terms.
RARE_WORDS = {"imei": 0.0002}
#: Phrases put into a description with this probability (their words also occur apart, often).
PHRASES = {("sim", "swap"): 0.01}
#: The query of each kind a benchmark runs against generated data.
BENCHMARK_QUERIES = {
    "rare term": "imei",
    "medium term": "phishing",
    "phrase": '"sim swap"',
    "term in ~28%": "fraud",
    "term in nearly all": "network",
}

_SAMPLING_TABLE_SIZE = 1 << 20
_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
_SYLLABLES = [c + v for c in "bcdfghklmnprstvz" for v in "aeiou"] + ["an", "el", "or", "is", "um", "ex"]
_OTHER_LANGUAGES = [code for code in Language.values if code != Language.EN]


@cache
def vocabulary() -> tuple[str, ...]:
    """Pseudo-words and placed real words by Zipf rank (index 0 is rank 1); the same on every run."""
    rng = random.Random("clearinghouse-174-vocabulary")  # noqa: S311 (test data, not secrets)
    real = set(PLACED_WORDS.values()) | set(RARE_WORDS)
    pseudo: list[str] = []
    seen: set[str] = set()
    while len(pseudo) < VOCABULARY_SIZE:
        word = "".join(rng.choice(_SYLLABLES) for _ in range(rng.choice((2, 2, 3, 3, 3, 4))))
        # A query word matches as a prefix, so no pseudo-word may start with one.
        if word in seen or any(word.startswith(r) for r in real):
            continue
        seen.add(word)
        pseudo.append(word)
    words: list[str] = []
    for rank in range(1, VOCABULARY_SIZE + len(PLACED_WORDS) + 1):
        words.append(PLACED_WORDS[rank] if rank in PLACED_WORDS else pseudo.pop())
    return tuple(words)


@cache
def _sampling_table() -> tuple[str, ...]:
    # Each word repeated in proportion to its Zipf weight: drawing from it uniformly is a Zipf draw,
    # several times faster than random.choices with cumulative weights.
    words = vocabulary()
    weights = [1 / rank for rank in range(1, len(words) + 1)]
    scale = _SAMPLING_TABLE_SIZE / sum(weights)
    table: list[str] = []
    for word, weight in zip(words, weights, strict=True):
        table.extend([word] * max(1, round(weight * scale)))
    return tuple(table)


#: The fields ``Generator.measure`` draws, in order.
GENERATED = (
    "title",
    "summary",
    "description",
    "pillar_id",
    "status",
    "since_year",
    "language",
    "tlp",
    "lifecycle",
    "owner_state_id",
    "owner_organization_id",
    "submitted_at",
    "published_at",
    "is_illustrative",
)
#: The measure's columns as written: the id, the fields drawn, then those the same for every measure.
MEASURE_COLUMNS = (
    "id",
    *GENERATED,
    *("version", "created_by_id", "created_at", "updated_at", "evidence", "evidence_source", "cost_range"),
    "prerequisites",
)
_DATETIMES = [n for n, name in enumerate(GENERATED) if name in ("submitted_at", "published_at")]


@dataclass
class SyntheticMeasure:
    """One generated measure, before it has an id."""

    fields: dict[str, Any]
    threat_ids: list[int]
    text: str
    technology_ids: list[int]

    def stored(self) -> list[Any]:
        """The fields drawn, in the order of GENERATED, as the database stores them."""
        values = [self.fields[name] for name in GENERATED]
        for at in _DATETIMES:
            if values[at] is not None:
                values[at] = bulk.db_value(Measure, GENERATED[at], values[at])
        return values

    def facet_terms(self) -> set[bytes]:
        f = self.fields
        return postings.facet_terms(
            pillar_id=f["pillar_id"],
            status=f["status"],
            languages=[f["language"]],
            since_year=f["since_year"],
            owner_state_id=f["owner_state_id"],
            threat_ids=self.threat_ids,
        )

    def sharing(self) -> Sharing:
        f = self.fields
        return Sharing(f["tlp"], f["lifecycle"], f["owner_state_id"], f["owner_organization_id"])


class Generator:
    """Draws measures from a seeded random stream: the n-th measure depends only on the seed."""

    def __init__(self, seed: int, technology_ids: list[int] | None = None) -> None:
        self.rng = random.Random(seed)  # noqa: S311 (test data, not secrets)
        #: technologies a measure may use (none: no draw, the measures of a seed as without)
        self.technology_ids = technology_ids or []
        self.table = _sampling_table()
        self.pillar_ids = list(Pillar.objects.order_by("position", "slug").values_list("pk", flat=True))
        self.threat_ids = list(
            Threat.objects.filter(parent__isnull=False).order_by("position", "slug").values_list("pk", flat=True)
        )
        self.state_ids = list(MemberState.objects.order_by("alpha2").values_list("pk", flat=True))
        self.organization_ids = list(Organization.objects.order_by("slug").values_list("pk", flat=True))
        if not (self.pillar_ids and self.threat_ids and self.state_ids):
            raise CommandError("Pillars, threats and Member States are missing: run load_reference_data first.")

    def words(self, count: int) -> list[str]:
        return self.rng.choices(self.table, k=count)

    def sentences(self, count: int) -> tuple[str, list[str]]:
        """About ``count`` words in sentences, and the words themselves."""
        words = self.words(count)
        for word, probability in RARE_WORDS.items():
            if self.rng.random() < probability:
                words.insert(self.rng.randrange(len(words) + 1), word)
        for phrase, probability in PHRASES.items():
            if self.rng.random() < probability:
                at = self.rng.randrange(len(words) + 1)
                words[at:at] = list(phrase)
        out, start = [], 0
        while start < len(words):
            length = self.rng.randint(8, 16)
            sentence = words[start : start + length]
            out.append(sentence[0].capitalize() + " " + " ".join(sentence[1:]) + ".")
            start += length
        return " ".join(out), words

    def measure(self) -> SyntheticMeasure:
        rng = self.rng
        title_words = self.words(rng.randint(5, 9))
        title = "[synthetic] " + title_words[0].capitalize() + " " + " ".join(title_words[1:])
        summary_words = self.words(rng.randint(10, 18))
        summary = summary_words[0].capitalize() + " " + " ".join(summary_words[1:]) + "."
        description, description_words = self.sentences(rng.randint(110, 130))

        lifecycle = rng.choices(
            [Lifecycle.PUBLISHED, Lifecycle.DRAFT, Lifecycle.SUBMITTED, Lifecycle.IN_REVIEW, Lifecycle.WITHDRAWN],
            cum_weights=[90, 94, 97, 99, 100],
        )[0]
        tlp = rng.choices([TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.RED], cum_weights=[85, 93, 98, 100])[0]
        owned_by_organization = bool(self.organization_ids) and rng.random() < 0.05
        submitted_at = _EPOCH - timedelta(seconds=rng.randrange(6 * 365 * 86400))
        published_at = submitted_at + timedelta(seconds=rng.randrange(60 * 86400))
        fields = {
            "title": title,
            "summary": summary,
            "description": description,
            "pillar_id": rng.choice(self.pillar_ids),
            "status": rng.choices(MeasureStatus.values, cum_weights=[15, 40, 85, 100])[0],
            "since_year": rng.randint(2000, 2025),
            "language": Language.EN if rng.random() < 0.8 else rng.choice(_OTHER_LANGUAGES),
            "tlp": tlp,
            "lifecycle": lifecycle,
            "owner_state_id": None if owned_by_organization else rng.choice(self.state_ids),
            "owner_organization_id": rng.choice(self.organization_ids) if owned_by_organization else None,
            "submitted_at": None if lifecycle == Lifecycle.DRAFT else submitted_at,
            "published_at": published_at if lifecycle in (Lifecycle.PUBLISHED, Lifecycle.WITHDRAWN) else None,
            "is_illustrative": True,
        }
        threat_ids = rng.sample(self.threat_ids, rng.choice((1, 1, 2)))
        technology_ids: list[int] = []
        if self.technology_ids:  # half of them use one technology or two
            technology_ids = rng.sample(self.technology_ids, rng.choice((0, 0, 1, 1, 2)))
        # normalize(title summary description), as search.document_text gives it (no Markdown here), built
        # from the words, which are normalized already: normalize() itself would be half the run time.
        text = " ".join(["synthetic", *title_words, *summary_words, *description_words])
        return SyntheticMeasure(fields, threat_ids, text, technology_ids)

    def __iter__(self) -> Iterator[SyntheticMeasure]:
        while True:
            yield self.measure()


def write_batch(batch: list[SyntheticMeasure], index: engine.Appending) -> None:
    """Insert measures, their threats, their search documents and facet postings in one transaction; then add
    them to the machine's search index."""
    Through = Measure.threats.through
    first = batch[0].fields  # a spot check that the shortcut in Generator.measure still holds
    if normalize(f"{first['title']} {first['summary']} {first['description']}") != batch[0].text:
        raise CommandError("A synthetic search document differs from search.text.normalize() of its text.")
    created = bulk.db_value(Measure, "created_at", timezone.now())
    same = (1, None, created, created, "", "", "", "")  # (the columns of MEASURE_COLUMNS after GENERATED)
    terms = [item.facet_terms() for item in batch]
    with transaction.atomic():
        ids = bulk.reserve_ids(Measure, len(batch))
        bulk.insert(
            Measure,
            MEASURE_COLUMNS,
            [(pk, *item.stored(), *same) for pk, item in zip(ids, batch, strict=True)],
        )
        bulk.insert(
            Through,
            ("measure_id", "threat_id"),
            [(pk, threat_id) for pk, item in zip(ids, batch, strict=True) for threat_id in item.threat_ids],
        )
        bulk.insert(
            Measure.technologies.through,
            ("measure_id", "technology_id"),
            [(pk, used) for pk, item in zip(ids, batch, strict=True) for used in item.technology_ids],
        )
        logged = search.index_many(zip(ids, (item.text for item in batch), terms, strict=True))
    index.add(
        logged,
        (
            (pk, item.text, facet_terms, item.sharing(), item.fields["published_at"], item.technology_ids)
            for pk, item, facet_terms in zip(ids, batch, terms, strict=True)
        ),
    )


def synthetic_technologies(count: int) -> list[int]:
    """The ids of ``count`` synthetic technologies (the Secretariat's, published, TLP:CLEAR, illustrative), created
    unless there."""
    found: list[int] = []
    if not count:
        return found
    itu = Organization.objects.filter(slug="itu").first()
    if itu is None:
        raise CommandError("The ITU is missing from the organizations: run load_reference_data first.")
    for n in range(1, count + 1):
        technology, _created = Technology.objects.get_or_create(
            slug=f"synthetic-technology-{n}",
            defaults={
                "name": f"[synthetic] Technology {n}",
                "lifecycle": Lifecycle.PUBLISHED,
                "tlp": TLP.CLEAR,
                "published_at": _EPOCH,
                "is_illustrative": True,
                "owner_organization": itu,
            },
        )
        found.append(technology.pk)
    return found


class Command(BaseCommand):
    help = "Create synthetic measures (marked illustrative, titled [synthetic]) for benchmarks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, required=True, help="How many measures to create.")
        parser.add_argument("--seed", type=int, default=1, help="The same seed gives the same measures.")
        parser.add_argument("--batch", type=int, default=20000, help="Measures written per transaction.")
        parser.add_argument(
            "--technologies",
            type=int,
            default=0,
            help="Synthetic technologies (created unless there) that half the measures use, one or two each.",
        )

    def handle(self, *args: Any, count: int, seed: int, batch: int, technologies: int, **options: Any) -> None:
        if count < 1 or batch < 1 or technologies < 0:
            raise CommandError("--count and --batch are positive numbers, --technologies zero or more.")
        started = time.monotonic()
        generated = islice(Generator(seed, synthetic_technologies(technologies)), count)
        self.stderr.ending = ""  # the progress bar ends its own lines
        try:
            with bulk.large_writes(), engine.appending() as index:
                items = iter(progress_bar(generated, label="Synthetic measures", total=count, stream=self.stderr))
                while chunk := list(islice(items, batch)):
                    write_batch(chunk, index)
                    reset_queries()  # under DEBUG, logged queries would pile up
        finally:
            self.stderr.ending = "\n"
        audit.record(None, "catalog.generated", changes={"count": count, "seed": seed})
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"{count:,} synthetic measures in {elapsed:.1f} s ({count / max(elapsed, 1e-9):,.0f} measures/s)"
        )
