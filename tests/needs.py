"""What a test needs from the machine it runs on. Without it the test skips, saying what is missing,
on a developer's machine; in CI (``CI`` set) it fails instead, since CI provides everything these
tests need and a skip there would be a check that silently never ran."""

from __future__ import annotations

import os

import pytest


def needs(present: bool, what: str) -> None:
    """Go on if ``present``; otherwise fail in CI and skip elsewhere, naming ``what`` is missing."""
    if present:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{what} (required in CI)", pytrace=False)
    pytest.skip(what)
