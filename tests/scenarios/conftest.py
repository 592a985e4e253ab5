from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _settings_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never read or write the real user's settings."""
    monkeypatch.setenv("TRIAGE_SETTINGS", str(tmp_path / "settings.json"))


@pytest.fixture(autouse=True)
def _no_window_outlives_its_scenario(qapp):  # type: ignore[no-untyped-def]
    """A scenario drives whole sessions (log in, log out, switch user): whatever windows or dialogs it
    leaves open are closed after it, so a later test never meets an earlier test's modal dialog
    (``activeModalWidget``) or its idle timers."""
    yield
    from PySide6.QtWidgets import QApplication, QDialog

    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, QDialog) and widget.isVisible():
            widget.done(QDialog.DialogCode.Rejected.value)  # ends a running exec() too
        widget.close()
        widget.deleteLater()
    QApplication.processEvents()
