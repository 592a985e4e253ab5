from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.scenarios.clinical import main_window, practice_store
from tests.users import PWP
from triage.store import Store
from triage.ui.main_window import MainWindow


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


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A store with the GP practice the referrals name (a scenario file may have a store of its own)."""
    yield from practice_store(tmp_path)


@pytest.fixture
def window(qtbot, store: Store) -> MainWindow:  # type: ignore[no-untyped-def]
    """A PWP's main window, shown and active."""
    return main_window(qtbot, store, PWP)
