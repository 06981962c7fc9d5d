"""Evaluate "countries like mine" offline (issue 16, item 4; docs/PERFORMANCE.md, "Recommendations").

A generated catalogue of which states have a measure in operation against which threats: 194 states in six regions,
on four development groups, against the 27 threats of the default taxonomy in 8 families. Adoption follows the
generator's rules, written here and printed with the results, as diffusion does in the real world:

- **region**: each region has its own favourite threats (``FAVOURITES`` of them, drawn once); a state adopts one of
  them with a probability raised by ``REGION_LIFT``;
- **group**: likewise each development group (``GROUP_LIFT``);
- **neighbouring measures**: a state that has a measure against one threat of a family is more likely to have one
  against the others of that family (``FAMILY_LIFT``, applied in a second pass);
- every threat has a base rate of its own (from 1% to 12%), so some are common everywhere.

With ``--rules off`` adoption is independent: base rates alone, where no method should beat the baseline by much.

Then, for each state with at least four adoptions, a fifth of them (at least one) is hidden; the method
(``insights.recommend.peer_score`` and ``threat_scores``, the functions the page ranks by) and the baseline (the
threats most states have, that this one does not show) each recommend ten threats; a hidden adoption in those ten
is a hit. Printed: hit rate (hidden adoptions found in the top 10), precision@10, over several seeds.

    .venv/bin/python bench/recommend.py [--seeds 5] [--rules on off]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _shared import code_version, table  # noqa: E402

REGIONS = 6
GROUPS = 4
FAMILIES = [4, 5, 8, 2, 3, 1, 1, 3]  # threats per family: 27, as the default taxonomy
REGION_LIFT, GROUP_LIFT, FAMILY_LIFT = 0.50, 0.35, 0.30
#: How many favourite threats each region and each group has.
FAVOURITES = 5
TOP = 10


def generate(seed: int, rules: bool):
    """States (region, groups) and, for each threat, the states that have a measure in operation against it."""
    rng = random.Random(seed)  # noqa: S311 (synthetic data)
    threats = list(range(sum(FAMILIES)))
    family = [f for f, size in enumerate(FAMILIES) for _ in range(size)]
    base = {t: rng.uniform(0.01, 0.12) for t in threats}
    favourite_of_region = {r: set(rng.sample(threats, FAVOURITES)) for r in range(REGIONS)}
    favourite_of_group = {g: set(rng.sample(threats, FAVOURITES)) for g in range(GROUPS)}
    states = {}
    for state in range(194):
        region = rng.randrange(REGIONS)
        groups = {g for g in range(GROUPS) if rng.random() < 0.25}
        states[state] = (region, groups)
    adopted: dict[int, set[int]] = defaultdict(set)
    for state, (region, groups) in states.items():
        for t in threats:
            p = base[t]
            if rules:
                p += REGION_LIFT * (t in favourite_of_region[region])
                p += GROUP_LIFT * any(t in favourite_of_group[g] for g in groups)
            if rng.random() < p:
                adopted[state].add(t)
        if rules:  # neighbouring measures: the rest of a family, once one of it is there
            for t in threats:
                if t not in adopted[state] and any(family[o] == family[t] for o in adopted[state]):
                    if rng.random() < FAMILY_LIFT:
                        adopted[state].add(t)
    return states, adopted


def evaluate(seed: int, rules: bool) -> dict[str, float]:
    from clearinghouse.insights.recommend import PEERS, peer_score, threat_scores

    rng = random.Random(seed + 1000)  # noqa: S311
    states, adopted = generate(seed, rules)
    hidden = {}
    shown = {}
    for state, threats in adopted.items():
        if len(threats) >= 4:
            chosen = set(rng.sample(sorted(threats), max(1, len(threats) // 5)))
            hidden[state], shown[state] = chosen, threats - chosen
        else:
            shown[state] = set(threats)
    coverage: dict[int, set[int]] = defaultdict(set)
    for state, threats in shown.items():
        for t in threats:
            coverage[t].add(state)
    popularity = sorted(coverage, key=lambda t: -len(coverage[t]))
    results = {"method": [0, 0], "baseline": [0, 0]}  # hits, hidden
    precision = {"method": [], "baseline": []}
    for state, lost in hidden.items():
        region, groups = states[state]
        own = shown[state]
        peers = []
        for other, (other_region, other_groups) in states.items():
            if other == state or not shown.get(other):
                continue
            score, _ = peer_score(region == other_region, len(groups & other_groups), own, shown[other])
            if score:
                peers.append((score, other))
        peers.sort(key=lambda p: (-p[0], p[1]))
        closest = {other: score for score, other in peers[:PEERS]}
        scores = threat_scores(own, closest, coverage, len(states))
        method = sorted(scores, key=lambda t: (-scores[t], t))[:TOP]
        baseline = [t for t in popularity if t not in own][:TOP]
        for name, ranked in (("method", method), ("baseline", baseline)):
            hits = len(lost & set(ranked))
            results[name][0] += hits
            results[name][1] += len(lost)
            precision[name].append(hits / TOP)
    return {
        "states": len(hidden),
        "method_hit": results["method"][0] / results["method"][1],
        "baseline_hit": results["baseline"][0] / results["baseline"][1],
        "method_p10": statistics.mean(precision["method"]),
        "baseline_p10": statistics.mean(precision["baseline"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--rules", nargs="+", choices=["on", "off"], default=["on", "off"])
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clearinghouse.settings")
    import django

    django.setup()
    print(f"Code measured: {code_version()}")
    print(
        f"Generator: 194 states, {REGIONS} regions, {GROUPS} groups, {sum(FAMILIES)} threats in {len(FAMILIES)}"
        f" families; lifts region {REGION_LIFT}, group {GROUP_LIFT}, family {FAMILY_LIFT}; a fifth of each"
        f" state's adoptions hidden (states with 4 or more); top {TOP}; {args.seeds} seeds."
    )
    rows = []
    for rules in args.rules:
        runs = [evaluate(seed, rules == "on") for seed in range(args.seeds)]
        mean = {key: statistics.mean(run[key] for run in runs) for key in runs[0]}
        rows.append(
            [
                rules,
                f"{mean['states']:.0f}",
                f"{mean['method_hit']:.1%}",
                f"{mean['baseline_hit']:.1%}",
                f"{mean['method_p10']:.3f}",
                f"{mean['baseline_p10']:.3f}",
                f"{mean['method_hit'] / mean['baseline_hit']:.2f}×",
            ]
        )
    header = ["rules", "states", "hit rate", "baseline hit", "precision@10", "baseline p@10", "method / baseline"]
    print(table(header, rows, left=1))


if __name__ == "__main__":
    main()
