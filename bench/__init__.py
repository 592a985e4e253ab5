"""Benchmarks: ``python3 dev.py bench`` runs them all, ``python3 dev.py bench routing`` runs one.

(dev.py runs ``python -m bench`` in .venv with the ``bench`` extra installed; figures go in
docs/benchmarks.md.)

To add a benchmark, create ``bench/bench_<name>.py`` with a module docstring (its first line is the
title) and a ``run() -> list[str]`` that measures and returns the lines of its report. The runner
finds it by name; nothing else needs registering. Never name a file ``test_*``: benchmarks are not
tests and pytest must not collect them.

A benchmark compares against a baseline measured in the same run (a bare alternative, another
engine) and reports ratios and the verdicts against the budgets in force (bench/budgets.py, from
docs/design.md, "Budgets"); it never asserts an absolute time.
Judge by the best of several rounds (what the code costs when nothing else gets in the way) and
show the median beside it (how noisy the machine was).
It should check that what it times gives the right answer, and raise if not, so a wrong fast
result never reaches the report.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Timing:
    """Seconds per round, over several rounds of the same work."""

    rounds: tuple[float, ...]

    @property
    def best(self) -> float:
        return min(self.rounds)

    @property
    def median(self) -> float:
        return statistics.median(self.rounds)


def time_rounds(works: dict[str, Callable[[], object]], rounds: int, warmup: int = 1,
                settle: Callable[[], object] | None = None) -> dict[str, Timing]:  # fmt: skip
    """Time each of ``works`` over ``rounds`` rounds, interleaved (a, b, c, a, b, c, ...) so that a
    busy moment on the machine hits them all alike, after ``warmup`` untimed rounds. The garbage
    collector runs before each timing and stays enabled during it, so allocation costs count.
    ``settle``, untimed before each timing, lets work the previous one left behind finish first
    (a window's posted layout and paint events), so that it is not timed as the next one's."""
    for _ in range(warmup):
        for work in works.values():
            work()
    seconds: dict[str, list[float]] = {name: [] for name in works}
    for _ in range(rounds):
        for name, work in works.items():
            if settle is not None:
                settle()
            gc.collect()
            start = time.perf_counter()
            work()
            seconds[name].append(time.perf_counter() - start)
    return {name: Timing(tuple(values)) for name, values in seconds.items()}
