"""Runs the self-test's steps in order, in a temporary data folder removed afterwards.

A step is a function given the run; it returns the detail for its ``ok`` line, or raises StepFailed
with the sentence to report. A step whose needs failed is not run. Each step prints one line as soon
as it is done (so a benchmark can time the main window from outside); the last line says
``self-test passed`` (exit 0) or ``self-test FAILED: ...`` (exit 1). An unexpected error is still one
line, never a traceback.
"""

from __future__ import annotations

import contextlib
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from triage import __version__

EXIT_OK, EXIT_FAILED = 0, 1
PROGRAM = "triage self-test"


class StepFailed(Exception):
    """A check that did not hold; the message is the sentence to report."""


@dataclass
class Run:
    """What the steps share: where to report, the temporary data folder, and what earlier steps made."""

    stream: TextIO
    folder: Path
    started: float = field(default_factory=time.perf_counter)
    failures: list[str] = field(default_factory=list)
    store: Any = None  # the admin's store and user (step "store")
    user: Any = None
    pwp_store: Any = None  # the PWP's store, logged in through the login window (step "screening")
    letters: dict[str, Any] = field(default_factory=dict)  # kind -> built letter (step "letters")

    def say(self, line: str) -> None:
        write(self.stream, line)

    def close_stores(self) -> None:
        for store in (self.pwp_store, self.store):
            if store is not None:
                with contextlib.suppress(Exception):
                    store.close()


@dataclass(frozen=True)
class Step:
    """A named check, run only if the steps it needs passed."""

    name: str
    check: Callable[[Run], str]
    needs: tuple[str, ...] = ()


def run_steps(steps: Sequence[Step], stream: TextIO | None = None) -> int:
    """Run ``steps`` in order, report each on ``stream`` (default: standard output at call time); 0 or 1."""
    out = stream if stream is not None else sys.stdout
    began = time.perf_counter()
    try:
        folder = Path(tempfile.mkdtemp(prefix="triage-selftest-"))
    except OSError as exc:
        write(out, f"{PROGRAM} FAILED: no temporary data folder can be made ({exc.strerror or type(exc).__name__})")
        return EXIT_FAILED
    run = Run(out, folder, began)
    run.say(f"{PROGRAM}: triage {__version__}, {'frozen' if getattr(sys, 'frozen', False) else 'Python'} "
            f"{sys.version.split()[0]} on {sys.platform}")  # fmt: skip
    try:
        failed: set[str] = set()
        for step in steps:
            if not _run_step(run, step, failed):
                failed.add(step.name)
    finally:
        run.close_stores()
        shutil.rmtree(folder, ignore_errors=True)
    total = time.perf_counter() - began
    if run.failures:
        run.say(f"{PROGRAM} FAILED ({len(run.failures)} of {len(steps)} steps): " + "; ".join(run.failures))
        return EXIT_FAILED
    run.say(f"{PROGRAM} passed: {len(steps)} steps in {total:.1f} s; the temporary data folder was removed")
    return EXIT_OK


def _run_step(run: Run, step: Step, failed: set[str]) -> bool:
    """Run one step (unless a step it needs failed) and report it in one line; whether it passed."""
    name = step.name
    missing = [n for n in step.needs if n in failed]
    if missing:
        run.say(f"  {name:<12} NOT RUN: needs {', '.join(missing)}")
        return False
    t0 = time.perf_counter()
    try:
        detail = step.check(run)
    except StepFailed as exc:
        run.failures.append(f"{name}: {exc}")
        run.say(f"  {name:<12} FAILED: {exc}")
        return False
    except Exception as exc:  # an unexpected error is still one line, never a traceback
        run.failures.append(f"{name}: unexpected {type(exc).__name__}: {first_line(exc)}")
        run.say(f"  {name:<12} FAILED: unexpected {type(exc).__name__}: {first_line(exc)}")
        return False
    run.say(f"  {name:<12} ok   {detail} [{time.perf_counter() - t0:.2f} s]")
    return True


def first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else "(no message)"


def write(stream: TextIO, line: str) -> None:
    try:
        stream.write(line + "\n")
        stream.flush()
    except (AttributeError, OSError, ValueError):  # no usable stdout (a windowed app on Windows)
        pass
