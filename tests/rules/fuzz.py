"""Malformed screening inputs, generated deterministically from a seed."""

from __future__ import annotations

import random
from typing import Any

FIELDS = [
    "phq9",
    "gad7",
    "chronicity",
    "complexity",
    "impairment",
    "substance_use",
    "risk",
    "previous_unhelpful_interventions",
    "long_term_conditions",
    "medically_unexplained_symptoms",
    "problem_descriptor",
]


def valid(rng: random.Random) -> dict[str, Any]:
    level = lambda: rng.choice(["low", "medium", "high"])  # noqa: E731
    return {
        "phq9": [rng.randint(0, 3) for _ in range(9)] if rng.random() < 0.5 else rng.randint(0, 27),
        "gad7": [rng.randint(0, 3) for _ in range(7)] if rng.random() < 0.5 else rng.randint(0, 21),
        "chronicity": level(),
        "complexity": level(),
        "impairment": level(),
        "substance_use": level(),
        "risk": level(),
        "previous_unhelpful_interventions": rng.randint(0, 6),
    }


def junk(rng: random.Random, depth: int = 0) -> Any:
    """Any JSON value, biased towards the near-misses that break validators."""
    choices = [
        lambda: None,
        lambda: True,
        lambda: False,
        lambda: rng.randint(-5, 40),
        lambda: 10 ** rng.randint(3, 30),
        lambda: rng.uniform(-1, 30),
        lambda: float("nan"),
        lambda: float("inf"),
        lambda: 3.0,
        lambda: rng.choice(["", " ", "low", "LOW", "High", "3", "medium ", "x" * 500, "ptsd", "\u0000", "é", "null"]),
    ]
    if depth < 3:
        choices += [
            lambda: [junk(rng, depth + 1) for _ in range(rng.randint(0, 10))],
            lambda: {rng.choice(FIELDS + ["extra", ""]): junk(rng, depth + 1) for _ in range(rng.randint(0, 3))},
        ]
    return rng.choice(choices)()


def malformed(rng: random.Random) -> Any:
    """A screening with one to three things wrong, or sometimes something that is not a screening at all."""
    if rng.random() < 0.05:
        return junk(rng)
    data = valid(rng)
    for _ in range(rng.randint(1, 3)):
        kind = rng.random()
        field = rng.choice(FIELDS)
        if kind < 0.25:
            data.pop(field, None)
        elif kind < 0.35:
            data[rng.choice(["severity", "Risk", "phq_9", "notes", "nhs_number"])] = junk(rng)
        elif kind < 0.55 and field in ("phq9", "gad7"):
            items = [rng.randint(0, 3) for _ in range(rng.choice([0, 1, 6, 7, 8, 9, 10]))]
            if items and rng.random() < 0.7:
                items[rng.randrange(len(items))] = junk(rng)
            data[field] = items
        else:
            data[field] = junk(rng)
    return data
