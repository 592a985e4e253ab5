"""Step "matrix": the ruleset in force routes as reviewed.

It loads the ruleset, routes all 2,187 rating combinations and compares them with the golden table
shipped beside the ruleset; a row that differs (or a table that cannot be read) fails the step.
"""

from __future__ import annotations

from pathlib import Path

from triage.ui.selftest.runner import Run, StepFailed


def check(run: Run) -> str:
    from triage.rules.golden import compare_golden
    from triage.rules.ruleset import RulesetError, default_ruleset

    try:
        ruleset = default_ruleset()
    except RulesetError as exc:
        raise StepFailed(f"the ruleset {exc.source} cannot be used: " + "; ".join(exc.problems)) from None
    golden = golden_table_path(ruleset.id)
    try:
        expected = golden.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise StepFailed(f"the golden table {golden.name} cannot be read ({type(exc).__name__})") from None
    problems = compare_golden(ruleset, expected)
    if problems:
        rows = ", ".join(p.split(":", 1)[0] for p in problems[:5]) + (" ..." if len(problems) > 5 else "")
        raise StepFailed(f"{len(problems)} rows differ from {golden.name} ({rows}); "
                         f"ruleset {ruleset.id} {ruleset.version} does not route as reviewed")  # fmt: skip
    combinations = expected.rstrip("\n").count("\n")
    return f"{combinations} combinations match {golden.name} (ruleset {ruleset.id} {ruleset.version})"


def golden_table_path(ruleset_id: str) -> Path:
    """The reviewed golden table shipped beside the ruleset."""
    from triage.resources import resource_path

    return resource_path("rules", f"{ruleset_id}.golden.tsv")
