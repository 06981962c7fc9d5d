"""Evaluate "countries like mine" offline (issue 16, item 4; docs/PERFORMANCE.md, "Recommendations").

A generated catalogue of measures: 194 states in six regions, on four development groups; the 27 threats of the
default taxonomy in 8 families, and against each threat ``PRACTICES`` kinds of measure (a SIM registration, a
device register…: what a state adopts). Each adoption is one measure of that state, in operation, filed under the
practice's threat, with evidence recorded or not. Adoption follows the generator's rules, written here and printed
with the results, as diffusion does in the real world:

- **region**: each region has its own favourite practices (``FAVOURITES`` of them, drawn once); a state adopts one
  of them with a probability raised by ``REGION_LIFT``;
- **group**: likewise each development group (``GROUP_LIFT``);
- **neighbouring measures**: a state that has a measure against one threat of a family is more likely to adopt the
  practices against the others of that family (``FAMILY_LIFT``, applied in a second pass);
- every practice has a base rate of its own (from 1% to 8%), so some are common everywhere.

With ``--rules off`` adoption is independent: base rates alone, where no method should beat the baseline by much.

Each practice is one technology: a measure of a practice uses its technology.

Then, for each state with at least four measures, a fifth of them (at least one) is hidden, and the page's two lists
are drawn as the page draws them (``insights.recommend.peer_score``, ``adoption_scores`` and ``measure_score``):

- **technologies**: the ten technologies the most comparable states use and this state shows in none, ranked;
- **measures**: the ten measures of the most comparable states against threats the state shows none against,
  ranked;

against a baseline of the ten practices (technologies, or a measure of each) most states have, that this state does
not show. A recommendation of a hidden practice is a hit. Printed: hit rate (the hidden measures whose practice is
recommended), precision@10 (recommendations of a hidden practice, of ten), over several seeds; and the hit rate at
the level of threats (the ten threats ranked first), as the measures' first ranking step.

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
#: Kinds of measure (practices) against each threat.
PRACTICES = 3
REGION_LIFT, GROUP_LIFT, FAMILY_LIFT = 0.50, 0.35, 0.20
#: How many favourite practices each region and each group has.
FAVOURITES = 8
TOP = 10


def generate(seed: int, rules: bool):
    """States (region, groups), the threat of each practice, and each state's measures: (practice, has evidence)."""
    rng = random.Random(seed)  # noqa: S311 (synthetic data)
    threats = list(range(sum(FAMILIES)))
    family = [f for f, size in enumerate(FAMILIES) for _ in range(size)]
    threat_of = [t for t in threats for _ in range(PRACTICES)]
    practices = list(range(len(threat_of)))
    base = {p: rng.uniform(0.01, 0.08) for p in practices}
    favourite_of_region = {r: set(rng.sample(practices, FAVOURITES)) for r in range(REGIONS)}
    favourite_of_group = {g: set(rng.sample(practices, FAVOURITES)) for g in range(GROUPS)}
    states = {}
    for state in range(194):
        region = rng.randrange(REGIONS)
        groups = {g for g in range(GROUPS) if rng.random() < 0.25}
        states[state] = (region, groups)
    adopted: dict[int, set[int]] = defaultdict(set)
    for state, (region, groups) in states.items():
        for p in practices:
            chance = base[p]
            if rules:
                chance += REGION_LIFT * (p in favourite_of_region[region])
                chance += GROUP_LIFT * any(p in favourite_of_group[g] for g in groups)
            if rng.random() < chance:
                adopted[state].add(p)
        if rules:  # neighbouring measures: the rest of a family, once one of it is there
            families = {family[threat_of[p]] for p in adopted[state]}
            for p in practices:
                if p not in adopted[state] and family[threat_of[p]] in families and rng.random() < FAMILY_LIFT:
                    adopted[state].add(p)
    evidence = {(state, p): rng.random() < 0.5 for state, ps in adopted.items() for p in ps}
    return states, threat_of, adopted, evidence


def evaluate(seed: int, rules: bool) -> dict[str, float]:
    from clearinghouse.insights.recommend import PEERS, adoption_scores, measure_score, peer_score

    rng = random.Random(seed + 1000)  # noqa: S311
    states, threat_of, adopted, evidence = generate(seed, rules)
    hidden: dict[int, set[int]] = {}
    shown: dict[int, set[int]] = {}
    for state, practices in adopted.items():
        if len(practices) >= 4:
            chosen = set(rng.sample(sorted(practices), max(1, len(practices) // 5)))
            hidden[state], shown[state] = chosen, practices - chosen
        else:
            shown[state] = set(practices)
    # which states show a measure against each threat (what the page reads: ``gaps.coverage``)
    covering: dict[int, set[int]] = defaultdict(set)
    having: dict[int, set[int]] = defaultdict(set)  # practice → states showing it
    for state, practices in shown.items():
        for p in practices:
            covering[threat_of[p]].add(state)
            having[p].add(state)
    popular = sorted(having, key=lambda p: (-len(having[p]), p))
    totals: dict[str, list] = {name: [0, 0, []] for name in ("technologies", "measures", "baseline", "threats")}
    for state, lost in hidden.items():
        region, groups = states[state]
        own_threats = {threat_of[p] for p in shown[state]}
        lost_threats = {threat_of[p] for p in lost} - own_threats
        peers = []
        for other, (other_region, other_groups) in states.items():
            if other == state or not shown.get(other):
                continue
            theirs = {threat_of[p] for p in shown[other]}
            score, _ = peer_score(region == other_region, len(groups & other_groups), own_threats, theirs)
            if score:
                peers.append((score, other))
        peers.sort(key=lambda p: (-p[0], p[1]))
        closest = {other: score for score, other in peers[:PEERS]}
        # the page's first list: technologies (here, one a practice) the closest use and the state does not
        used = adoption_scores(shown[state], closest, having, len(states))
        technologies = sorted(used, key=lambda p: (-used[p], p))[:TOP]
        scores = adoption_scores(own_threats, closest, covering, len(states))
        # the page: the closest states' measures against the threats ranked, each ranked by measure_score
        candidates = [
            (measure_score(scores[threat_of[p]], closest[other], evidence[(other, p)]), p, other)
            for other in closest
            for p in shown[other]
            if threat_of[p] in scores
        ]
        measures = [p for _score, p, _other in sorted(candidates, key=lambda c: (-c[0], c[1], c[2]))[:TOP]]
        baseline = [p for p in popular if p not in shown[state]][:TOP]
        for name, ranked in (("technologies", technologies), ("measures", measures), ("baseline", baseline)):
            found = lost & set(ranked)
            totals[name][0] += len(found)
            totals[name][1] += len(lost)
            totals[name][2].append(sum(1 for p in ranked if p in lost) / TOP)
        ranked_threats = sorted(scores, key=lambda t: (-scores[t], t))[:TOP]
        if lost_threats:
            totals["threats"][0] += len(lost_threats & set(ranked_threats))
            totals["threats"][1] += len(lost_threats)
            totals["threats"][2].append(len(lost_threats & set(ranked_threats)) / TOP)
    return {
        "states": len(hidden),
        **{f"{name}_hit": hits / max(1, count) for name, (hits, count, _p) in totals.items()},
        **{f"{name}_p10": statistics.mean(p) if p else 0.0 for name, (_h, _c, p) in totals.items()},
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
        f" families, {PRACTICES} practices a threat; lifts region {REGION_LIFT}, group {GROUP_LIFT}, family"
        f" {FAMILY_LIFT}; a fifth of each state's measures hidden (states with 4 or more); top {TOP};"
        f" {args.seeds} seeds."
    )
    rows = []
    for rules in args.rules:
        runs = [evaluate(seed, rules == "on") for seed in range(args.seeds)]
        mean = {key: statistics.mean(run[key] for run in runs) for key in runs[0]}
        for name in ("technologies", "measures"):
            rows.append(
                [
                    rules,
                    name,
                    f"{mean['states']:.0f}",
                    f"{mean[f'{name}_hit']:.1%}",
                    f"{mean['baseline_hit']:.1%}",
                    f"{mean[f'{name}_p10']:.3f}",
                    f"{mean['baseline_p10']:.3f}",
                    f"{mean[f'{name}_p10'] / mean['baseline_p10']:.2f}×",
                    f"{mean['threats_hit']:.1%}" if name == "measures" else "",
                ]
            )
    header = [
        "rules",
        "list",
        "states",
        "hit rate",
        "baseline hit",
        "precision@10",
        "baseline p@10",
        "p@10 list / baseline",
        "threats: hit rate",
    ]
    print(table(header, rows, left=1))


if __name__ == "__main__":
    main()
