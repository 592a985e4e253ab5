"""First run creates an encrypted store and shows the recovery key once; every start needs a login."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QDialog

from triage.services.login import WRONG, open_authenticated
from triage.services.store_setup import initialise_store
from triage.ui.app import session_window
from triage.ui.login import FirstRunDialog, LoginDialog

from .a11y import unnamed_interactive_widgets
from .conftest import RULESET, SETTINGS

PASSWORD = "a long enough password"


def no_wait(_seconds: float) -> None:
    """The failed-login delay is real in the app; tests do not sit through it."""


def test_first_run_creates_an_encrypted_store_and_shows_the_recovery_key_once(qtbot, tmp_path: Path):
    database = tmp_path / "triage.db"
    dialog = FirstRunDialog(lambda u, n, p: initialise_store(database, u, n, p), str(database))
    qtbot.addWidget(dialog)
    dialog.show()
    assert unnamed_interactive_widgets(dialog) == []
    dialog.username.setText("admin")
    dialog.display_name.setText("Service Admin")
    dialog.password.setText(PASSWORD)
    dialog.repeat.setText(PASSWORD + "x")
    dialog.create()
    assert not database.exists() and "not the same" in dialog.message.text()

    dialog.password.setText(PASSWORD)
    dialog.repeat.setText(PASSWORD)
    dialog.create()
    assert database.exists() and database.read_bytes()[:16] != b"SQLite format 3\x00"
    assert dialog.recovery_key and dialog.recovery_key in dialog.key_label.text()
    assert dialog.password.text() == "" and dialog.repeat.text() == ""
    dialog.reject()  # Escape: the key has not been acknowledged yet
    assert dialog.isVisible()
    assert not dialog.continue_button.isEnabled()
    dialog.written_down.setChecked(True)
    dialog.continue_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted


def test_a_refused_first_run_says_why_and_creates_nothing(qtbot, tmp_path: Path):
    database = tmp_path / "triage.db"
    dialog = FirstRunDialog(lambda u, n, p: initialise_store(database, u, n, p), str(database))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.username.setText("admin")
    dialog.display_name.setText("Service Admin")
    dialog.password.setText("short")
    dialog.repeat.setText("short")
    dialog.create()
    assert dialog.message.isVisible() and "password" in dialog.message.text()
    assert not database.exists()


def test_login_refuses_a_wrong_password_and_opens_the_store_with_the_right_one(qtbot, tmp_path: Path):
    database = tmp_path / "triage.db"
    initialise_store(database, "admin", "Service Admin", PASSWORD)
    dialog = LoginDialog(lambda u, p: open_authenticated(database, u, p, sleep=no_wait), str(database))
    qtbot.addWidget(dialog)
    dialog.show()
    assert unnamed_interactive_widgets(dialog) == []
    dialog.username.setText("admin")
    dialog.password.setText("not the password")
    dialog.accept()
    assert dialog.password.text() == ""  # never left in the box
    qtbot.waitUntil(lambda: dialog.message.isVisible(), timeout=10_000)
    assert dialog.message.text() == WRONG
    assert dialog.result() != QDialog.DialogCode.Accepted

    dialog.password.setText(PASSWORD)
    dialog.accept()
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=10_000)
    store, user = dialog.result_value
    assert user.username == "admin" and store.encrypted
    store.close()


def test_the_session_window_unlocks_with_the_users_password_only(qtbot, tmp_path: Path):
    database = tmp_path / "triage.db"
    initialise_store(database, "admin", "Service Admin", PASSWORD)
    store, user = open_authenticated(database, "admin", PASSWORD, sleep=no_wait)
    window = session_window(store, user, RULESET, SETTINGS)
    qtbot.addWidget(window)
    window.show()
    window.lock()
    assert window.locked
    window.lock_page.password.setText("wrong")
    window.lock_page.try_unlock()
    assert window.locked
    window.lock_page.password.setText(PASSWORD)
    window.lock_page.try_unlock()
    assert not window.locked
    store.close()
