from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _settings_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never read or write the real user's settings."""
    monkeypatch.setenv("TRIAGE_SETTINGS", str(tmp_path / "settings.json"))
