"""Every module under triage/ stays small enough to hold in one's head (docs/design.md, "Layers").

A module past ``LIMIT`` lines must say at its top why it has to be long, in a comment of the form
``# Long on purpose: <why>`` within its first lines, so that growth is a decision, not a drift.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 500
HEAD_LINES = 40  # where the reason must stand: the module's top, before its code
REASON = re.compile(r"^#\s*Long on purpose:\s*\S.{10,}", re.MULTILINE)  # a real sentence, not a bare tag


def modules() -> list[Path]:
    return sorted((ROOT / "triage").rglob("*.py"))


def long_without_reason(text: str) -> bool:
    lines = text.splitlines()
    return len(lines) > LIMIT and not REASON.search("\n".join(lines[:HEAD_LINES]))


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_module_is_short_or_says_why(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert not long_without_reason(text), (
        f"{path.relative_to(ROOT)} has {len(text.splitlines())} lines (limit {LIMIT}): split it by concern, or say "
        f"why it must be long in a '# Long on purpose: ...' comment in its first {HEAD_LINES} lines"
    )


def test_the_check_catches_a_long_module_and_accepts_a_reason() -> None:
    body = "x = 1\n" * (LIMIT + 1)
    assert long_without_reason(body)
    assert long_without_reason("# Long on purpose:\n" + body)  # a tag with no reason does not count
    assert not long_without_reason("# Long on purpose: one table of every keyboard shortcut, kept together.\n" + body)
    assert not long_without_reason("x = 1\n" * LIMIT)
