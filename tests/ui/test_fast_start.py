"""The login window comes up before the heavy modules: starting needs no SQLAlchemy or pydantic until
after it is shown, and the start still goes first run -> login -> (settings, ruleset) -> main window.
The window that comes up fast is still the real one: Fusion, the bundled font, its buttons; what it
does not need (the font's italic faces, the heavy modules) follows once it is up."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QMessageBox

from tests.users import PWP
from triage.rules.ruleset import RulesetError
from triage.settings import ServiceSettings
from triage.ui import app as app_module
from triage.ui.login import FirstRunDialog, LoginDialog
from triage.ui.main_window import MainWindow

LIGHT_START = """
import sys
import triage.ui.app as app
path = app.local_store_path(None)
assert path is not None and str(path) == sys.argv[1], path
assert app.store_description(None, path) == sys.argv[1]
assert app.needs_first_run(None)
heavy = sorted(name for name in ("sqlalchemy", "pydantic", "argon2", "triage.settings", "triage.services",
                                 "triage.store.database", "triage.ui.main_window", "concurrent.futures")
               if name in sys.modules)
assert not heavy, heavy
print("light")
"""

# The real start (run_app, as the `triage` command calls it) up to the login window, checked as it is
# shown and again once the event loop has gone idle.
REAL_START = """
import sys, time
from PySide6.QtCore import QTimer
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QLabel
import triage.ui.app as app
from triage.ui.login import LoginDialog
from triage.ui.theme import FONT_FAMILY, STYLE_NAME

HEAVY = ("sqlalchemy", "pydantic", "argon2", "yaml", "reportlab", "triage.settings", "triage.services",
         "triage.rules", "triage.store.database", "triage.ui.main_window", "concurrent.futures")
shown, themed, styles = LoginDialog.exec, app.apply_theme, []

def apply_theme(qt, **options):  # the style, seen before the style sheet hides it behind its own
    styles.append(qt.style().name())
    themed(qt, **options)

def exec_(self):
    heavy = sorted(name for name in HEAVY if name in sys.modules)
    assert not heavy, f"loaded before the login window: {heavy}"
    qt = QApplication.instance()
    assert styles == [STYLE_NAME.lower()], styles
    assert qt.font().family() == FONT_FAMILY, qt.font().family()
    assert qt.styleSheet(), "no style sheet"
    faces = set(QFontDatabase.styles(FONT_FAMILY))
    assert {"Regular", "Bold"} <= faces and "Italic" not in faces, faces
    texts = sorted(button.text() for button in self.buttons.buttons())
    assert texts == ["Cancel", "Log in"], texts
    assert self.buttons.buttonRole(self.ok) == QDialogButtonBox.ButtonRole.AcceptRole
    assert any(sys.argv[1] in label.text().replace('\u200b', '') for label in self.findChildren(QLabel))  # wraps
    until = time.monotonic() + 20

    def later():  # once the window is up: the italic faces, and the heavy modules loading
        faces = set(QFontDatabase.styles(FONT_FAMILY))
        if not {"Italic", "Bold Italic"} <= faces or "triage.services.login" not in sys.modules:
            assert time.monotonic() < until, (faces, "triage.services.login" in sys.modules)
            QTimer.singleShot(20, later)
            return
        print("real start", flush=True)
        self.reject()

    QTimer.singleShot(0, later)
    return shown(self)

LoginDialog.exec, app.apply_theme = exec_, apply_theme
sys.exit(app.run_app(["triage"], database=sys.argv[1]))
"""


def test_importing_the_app_and_finding_the_local_store_loads_no_sqlalchemy_or_pydantic(tmp_path: Path) -> None:
    database = tmp_path / "triage.db"
    env = {**os.environ, "TRIAGE_DATABASE_URL": str(database), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", LIGHT_START, str(database)], capture_output=True, text=True,
                          env=env, timeout=60)  # fmt: skip
    assert done.returncode == 0 and "light" in done.stdout, done.stdout + done.stderr


def test_the_fast_login_window_is_the_real_one_and_the_rest_follows_once_it_is_up(tmp_path: Path) -> None:
    database = tmp_path / "triage.db"
    database.write_bytes(b"")  # there is a store: the login window, not first run
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QT_STYLE_OVERRIDE": "windows",  # Fusion all the same
           "TRIAGE_SETTINGS": str(tmp_path / "settings.json")}  # fmt: skip
    done = subprocess.run([sys.executable, "-c", REAL_START, str(database)], capture_output=True, text=True,
                          env=env, timeout=120)  # fmt: skip
    assert done.returncode == 0 and "real start" in done.stdout, done.stdout + done.stderr


@pytest.fixture
def quiet_start(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """run_app on the test QApplication, without restyling it for the tests that follow."""
    shown: list[str] = []
    monkeypatch.setattr(app_module, "apply_theme", lambda app, **kwargs: None)
    monkeypatch.setattr(app_module, "after_first_window", lambda: None)
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text: shown.append(text))
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: shown.append(text))
    return shown


def _main_windows() -> list[MainWindow]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]


def shown(label: QLabel) -> str:
    """A label's text as read: without the zero-width spaces that let a long path wrap anywhere."""
    return label.text().replace("\u200b", "")


def test_an_existing_store_starts_at_the_login_window(qtbot, tmp_path: Path, monkeypatch, quiet_start) -> None:
    database = tmp_path / "triage.db"
    database.write_bytes(b"")  # there is a store: no first run
    seen: list[LoginDialog] = []

    def login_exec(self: LoginDialog) -> int:
        seen.append(self)
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(LoginDialog, "exec", login_exec)
    monkeypatch.setattr(FirstRunDialog, "exec", lambda self: pytest.fail("no first run for an existing store"))
    assert app_module.run_app(database=str(database)) == 0
    assert len(seen) == 1 and any(str(database) in shown(label) for label in seen[0].findChildren(QLabel))
    assert _main_windows() == [] and quiet_start == []


def test_no_store_starts_at_first_run_and_cancelling_it_ends(qtbot, tmp_path: Path, monkeypatch, quiet_start) -> None:
    database = tmp_path / "triage.db"
    seen: list[FirstRunDialog] = []
    monkeypatch.setattr(FirstRunDialog, "exec", lambda self: seen.append(self) or QDialog.DialogCode.Rejected)
    monkeypatch.setattr(LoginDialog, "exec", lambda self: pytest.fail("no login after a cancelled first run"))
    assert app_module.run_app(database=str(database)) == 0
    assert len(seen) == 1 and not database.exists() and _main_windows() == []


def test_an_unusable_store_location_stops_before_any_window(tmp_path: Path, monkeypatch, quiet_start) -> None:
    monkeypatch.setattr(LoginDialog, "exec", lambda self: pytest.fail("no login for an unusable location"))
    assert app_module.run_app(database=str(tmp_path / "missing" / "triage.db")) == 1
    assert quiet_start and "cannot be used" in quiet_start[0]


def test_an_unusable_ruleset_fails_closed_after_login(tmp_path: Path, monkeypatch, quiet_start) -> None:
    database = tmp_path / "triage.db"
    database.write_bytes(b"")
    closed: list[bool] = []

    class FakeStore:
        def close(self) -> None:
            closed.append(True)

    def login_exec(self: LoginDialog) -> int:
        self.result_value = (FakeStore(), PWP)
        return QDialog.DialogCode.Accepted

    def broken(store: object, settings: ServiceSettings) -> Any:
        raise RulesetError("broken.yaml", ["it is broken"])

    monkeypatch.setattr(LoginDialog, "exec", login_exec)
    monkeypatch.setattr(app_module, "service_settings", lambda store: ServiceSettings())
    monkeypatch.setattr(app_module, "ruleset_in_force", broken)
    monkeypatch.setattr(app_module, "session_window", lambda *a: pytest.fail("no main window on a bad ruleset"))
    assert app_module.run_app(database=str(database)) == 1
    assert closed == [True] and quiet_start and "it is broken" in quiet_start[-1]
