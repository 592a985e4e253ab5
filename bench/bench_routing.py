"""Routing the 2,187 matrix combinations: triage's engine beside the same matrix in GoRules zen-engine.

Budget (docs/design.md, "Budgets"): routing one screening in process at most 0.5x zen-engine on the same
table; all 2,187 matrix cells under 20 ms.
The baseline is a GoRules JDM decision graph (input -> decision table -> output) holding the same
matrix, evaluated by zen-engine (Rust, via its Python binding) in the same run. Both are checked to
recommend the same destination for every combination before anything is timed.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from typing import Any

from bench import Timing, time_rounds
from bench.budgets import ROUTING_ALL_MS, ROUTING_VS_ZEN
from triage.rules.engine import route
from triage.rules.ruleset import Ruleset, default_ruleset
from triage.rules.screening import parse_screening
from triage.rules.vocabulary import LEVELS, VARIABLES, Level, VariableId

ROUNDS = 15
REFERENCE_ROUNDS = 5  # the slow reference rows
KEY = "doncaster-matrix"  # the graph's key in zen's loader


def combinations() -> list[dict[VariableId, Level]]:
    """The 3^7 = 2,187 rating combinations, in VARIABLES order."""
    return [dict(zip(VARIABLES, levels, strict=True)) for levels in itertools.product(LEVELS, repeat=len(VARIABLES))]


def screening_input(ratings: dict[VariableId, Level], ruleset: Ruleset) -> dict[str, Any]:
    """A screening whose ratings are ``ratings``. Severity and previous interventions are derived, so
    take the lower bound of the wanted band: PHQ-9 total from its band (GAD-7 at the bottom of its
    low band, so PHQ-9 decides) and the count from the interventions band."""
    doc = ruleset.document
    data: dict[str, Any] = {
        "phq9": doc.severity.measures["phq9"][ratings["severity"]][0],
        "gad7": doc.severity.measures["gad7"]["low"][0],
        "previous_unhelpful_interventions": doc.previous_unhelpful_interventions[
            ratings["previous_unhelpful_interventions"]
        ][0],
    }
    data.update({v: ratings[v] for v in VARIABLES if v not in ("severity", "previous_unhelpful_interventions")})
    return data


def decision_graph(ruleset: Ruleset) -> dict[str, Any]:
    """The matrix as a GoRules JDM graph: input node -> decision table (hit policy first) -> output node.

    The table has one row per (destination, variable) pair the grid links, in the ruleset's precedence
    order; a row tests that one variable against the levels whose cell names that destination (the
    other columns are blank, i.e. any value). With hit policy ``first`` the first matching row is the
    first fired destination in precedence: exactly the semantics of ``route`` (fire every cell, take
    the first in precedence).

    Why this table and not one row per combination (2,187 rows): this one is the matrix as written
    (cells plus precedence, 13 rows here), the way a rules author would maintain it in GoRules, and zen
    works the answer out itself, so the agreement check below is a real cross-check. A per-combination
    table's outputs would have to be computed by our engine first, making the check circular and the
    comparison a lookup of precomputed answers. Speed does not decide it: tried once on the 2-core
    machine, zen took about 11 µs per evaluation with the 2,187-row table against about 10 µs with
    this one, so neither choice flatters either side.
    """
    precedence = ruleset.document.precedence
    inputs = [{"id": f"in_{v}", "name": ruleset.variable_labels[v], "field": v} for v in VARIABLES]
    rules = []
    for code in precedence:
        for variable in VARIABLES:
            levels = [lvl for lvl in LEVELS if code in ruleset.cell_destinations[(variable, lvl)]]
            if not levels:
                continue
            row = {f"in_{v}": "" for v in VARIABLES}
            row[f"in_{variable}"] = ", ".join(f"'{lvl}'" for lvl in levels)
            row.update({"_id": f"{code}-{variable}", "out_destination": f"'{code}'"})
            rules.append(row)
    table = {
        "hitPolicy": "first",
        "inputs": inputs,
        "outputs": [{"id": "out_destination", "name": "Destination", "field": "destination"}],
        "rules": rules,
    }
    return {
        "contentType": "application/vnd.gorules.decision",
        "nodes": [
            {"id": "request", "type": "inputNode", "name": "ratings", "position": {"x": 0, "y": 0}},
            {
                "id": "matrix",
                "type": "decisionTableNode",
                "name": f"{ruleset.id} {ruleset.version}",
                "position": {"x": 300, "y": 0},
                "content": table,
            },
            {"id": "response", "type": "outputNode", "name": "destination", "position": {"x": 600, "y": 0}},
        ],
        "edges": [
            {"id": "e1", "type": "edge", "sourceId": "request", "targetId": "matrix"},
            {"id": "e2", "type": "edge", "sourceId": "matrix", "targetId": "response"},
        ],
    }


def _destination(route_code: str) -> str:
    """Our route code as a matrix destination: both IAPT routes are the ``iapt`` destination."""
    return "iapt" if route_code in ("core_iapt", "integrated_iapt") else route_code


def run() -> list[str]:
    try:
        import zen
    except ImportError:  # pragma: no cover - depends on the environment
        raise RuntimeError(
            "zen-engine is missing: run `python3 dev.py bench`, which installs the bench extra"
        ) from None
    from importlib.metadata import version

    ruleset = default_ruleset()
    ratings = combinations()
    inputs = [screening_input(r, ruleset) for r in ratings]
    screenings = [parse_screening(data) for data in inputs]
    graph = decision_graph(ruleset)
    # zen's fast path: an engine whose loader holds the graph, evaluated by key (the graph is parsed
    # once and cached). The ZenDecision from create_decision() gives the same answers but, in
    # zen-engine 2.1.3, each evaluate() costs ~20x more, mostly in the kernel (several context
    # switches per call); it is timed for reference only, so the baseline is zen at its best.
    engine = zen.ZenEngine({"loader": {"type": "static", "content": {KEY: graph}}})
    engine_evaluate = engine.evaluate
    decision_evaluate = zen.ZenEngine().create_decision(json.dumps(graph)).evaluate

    # Check before timing: our ratings are the intended ones and zen recommends what we do.
    differences = []
    for wanted, screening in zip(ratings, screenings, strict=True):
        routing = route(screening, ruleset)
        got = {v: getattr(routing.ratings, v) for v in VARIABLES}
        if got != wanted:
            raise AssertionError(f"the chosen scores rate as {got}, not {wanted}: fix screening_input()")
        ours = _destination(routing.route)
        for path, theirs in (
            ("ZenEngine.evaluate", engine_evaluate(KEY, wanted)["result"].get("destination")),
            ("ZenDecision.evaluate", decision_evaluate(wanted)["result"].get("destination")),
        ):
            if ours != theirs:
                differences.append(f"{wanted}: triage {routing.route}, zen {path} {theirs}")
    if differences:
        raise AssertionError(
            f"zen and triage disagree {len(differences)} times over {len(ratings)} combinations, e.g. "
            + "; ".join(differences[:3])
        )
    spread = Counter(_destination(route(s, ruleset).route) for s in screenings)

    def zen_engine() -> None:
        for context in ratings:
            engine_evaluate(KEY, context)

    def zen_decision() -> None:
        for context in ratings:
            decision_evaluate(context)

    def ours_route() -> None:
        for screening in screenings:
            route(screening, ruleset)

    def ours_parse_route() -> None:
        for data in inputs:
            route(parse_screening(data), ruleset)

    def ours_cold() -> None:
        # The engine memoises what depends on the seven ratings alone; this is the first meeting.
        ruleset.outcomes.clear()
        for screening in screenings:
            route(screening, ruleset)

    timed = time_rounds({"zen": zen_engine, "route": ours_route, "parse": ours_parse_route}, ROUNDS)
    reference = time_rounds({"zen_decision": zen_decision, "cold": ours_cold}, REFERENCE_ROUNDS)
    zen_t, route_t, parse_t = timed["zen"], timed["route"], timed["parse"]
    zen_decision_t, cold_t = reference["zen_decision"], reference["cold"]

    n = len(ratings)

    def row(label: str, t: Timing) -> str:
        return (
            f"{label:<44} {t.best / n * 1e6:>8.1f} {t.median / n * 1e6:>9.1f}"
            f" {t.best * 1e3:>9.1f} {t.median * 1e3:>9.1f}"
        )

    def ratio(t: Timing) -> str:
        return f"{t.best / zen_t.best:.2f}x (by median {t.median / zen_t.median:.2f}x)"

    def verdict(t: Timing) -> str:
        against_zen, total = t.best / zen_t.best, t.best * 1e3
        ok = against_zen <= ROUTING_VS_ZEN and total < ROUTING_ALL_MS
        return (
            f"{'within' if ok else 'OVER'} budget: {against_zen:.2f}x zen {'<=' if against_zen <= ROUTING_VS_ZEN else '>'} "
            f"{ROUTING_VS_ZEN}x, {total:.1f} ms {'<' if total < ROUTING_ALL_MS else '>='} "
            f"{ROUTING_ALL_MS:.0f} ms for all {n:,}"
        )

    rows = len(graph["nodes"][1]["content"]["rules"])
    return [
        (
            f"ruleset {ruleset.id} {ruleset.version}; {n:,} combinations; {ROUNDS} interleaved rounds after a warm-up"
            f" ({REFERENCE_ROUNDS} for the reference rows); zen-engine {version('zen-engine')}, {rows}-row first-hit table"
        ),
        (
            f"checked: zen recommends the same destination as route() for all {n:,} combinations"
            f" ({', '.join(f'{code} {count}' for code, count in spread.most_common())})"
        ),
        "",
        f"{'':<44} {'µs per routing':>18} {f'ms for all {n:,}':>19}",
        f"{'':<44} {'best':>8} {'median':>9} {'best':>9} {'median':>9}",
        row("zen ZenEngine.evaluate(key, ratings) [base]", zen_t),
        row("triage route(screening, ruleset)", route_t),
        row("triage parse_screening() + route()", parse_t),
        row("reference: zen ZenDecision.evaluate(ratings)", zen_decision_t),
        row("reference: route(), each combination's first", cold_t),
        "",
        (
            f"ratio ours/zen, best of {ROUNDS} rounds (>1: ours is slower): route() {ratio(route_t)};"
            f" parse_screening() + route() {ratio(parse_t)}"
        ),
        "budget verdicts on the best round:",
        f"route(screening, ruleset):    {verdict(route_t)}",
        f"parse_screening() + route():  {verdict(parse_t)}",
        f"route(), first of each:       {verdict(cold_t)}",
        "",
        "notes: zen only maps seven given ratings to a destination code; route() also derives severity and",
        "previous interventions from scores and a count, lists every fired destination with the variables",
        "that fired it, chooses core or integrated IAPT and the step, and builds reasons, warnings,",
        "confirmation and the matched-rule ids: more work per call, by design. What depends on the seven",
        "ratings alone is worked out once per combination and ruleset; the 'first' row shows that cost.",
    ]
