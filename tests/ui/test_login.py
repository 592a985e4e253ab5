"""First run creates an encrypted store and shows the recovery key once; every start needs a login."""

from __future__ import annotations

import re
from pathlib import Path

import pypdf
import pytest
from PySide6.QtGui import QGuiApplication
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QAbstractButton, QDialog, QLabel

from triage.services.login import WRONG, open_authenticated
from triage.services.store_setup import initialise_store
from triage.ui import key_sheet
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
    dialog.create_store()
    assert not database.exists() and "not the same" in dialog.message.text()

    dialog.password.setText(PASSWORD)
    dialog.repeat.setText(PASSWORD)
    dialog.create_store()
    assert database.exists() and database.read_bytes()[:16] != b"SQLite format 3\x00"
    assert dialog.recovery_key and dialog.recovery_key in dialog.key_label.text()
    assert dialog.password.text() == "" and dialog.repeat.text() == ""
    dialog.reject()  # Escape: the key has not been acknowledged yet
    assert dialog.isVisible()
    assert not dialog.continue_button.isEnabled()
    dialog.written_down.setChecked(True)
    dialog.continue_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted


def key_shown(qtbot, tmp_path: Path) -> FirstRunDialog:  # type: ignore[no-untyped-def]
    database = tmp_path / "triage.db"
    dialog = FirstRunDialog(lambda u, n, p: initialise_store(database, u, n, p), str(database))
    qtbot.addWidget(dialog)
    dialog.show()
    for edit, text in ((dialog.username, "admin"), (dialog.display_name, "Service Admin"), (dialog.password, PASSWORD),
                       (dialog.repeat, PASSWORD)):  # fmt: skip
        edit.setText(text)
    dialog.create_store()
    assert dialog.recovery_key
    return dialog


def mnemonics(dialog: QDialog) -> list[str]:
    """The Alt+letter of every button and label in the dialog, shown or not."""
    texts = [widget.text() for widget in dialog.findChildren(QAbstractButton)]
    texts += [widget.text() for widget in dialog.findChildren(QLabel) if "<" not in widget.text()]  # not rich text
    return [found.lower() for text in texts for found in re.findall(r"(?<!&)&(\w)", text)]


def test_the_key_is_offered_to_copy_and_print_with_mnemonics_of_their_own(qtbot, tmp_path: Path):
    dialog = key_shown(qtbot, tmp_path)
    letters = mnemonics(dialog)
    assert sorted(letters) == sorted(set(letters)), f"two controls share a mnemonic: {letters}"
    assert {"o", "r", "w", "l"} <= set(letters)  # Copy, Print, written down, Continue
    assert unnamed_interactive_widgets(dialog) == []
    dialog.copy_button.click()
    assert QGuiApplication.clipboard().text() == dialog.recovery_key


def test_printing_the_key_puts_it_and_the_store_on_one_a4_sheet(qtbot, tmp_path: Path, monkeypatch):
    out = tmp_path / "sheet.pdf"

    def pdf_printer(_self: FirstRunDialog) -> QPrinter:  # the print dialog answered with a PDF file
        printer = key_sheet.new_printer()
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(out))
        return printer

    monkeypatch.setattr(FirstRunDialog, "choose_printer", pdf_printer)
    dialog = key_shown(qtbot, tmp_path)
    dialog.print_button.click()
    assert "printer" in dialog.key_status.text()
    sheet = pypdf.PdfReader(out)
    assert len(sheet.pages) == 1
    width, height = (float(v) for v in sheet.pages[0].mediabox.upper_right)
    assert abs(width - 595.3) < 2 and abs(height - 841.9) < 2  # A4
    text = "".join(sheet.pages[0].extract_text().split())  # the key is in two lines, the path may wrap
    assert dialog.recovery_key in text and "triageusersrecover" in text and str(tmp_path / "triage.db") in text


@pytest.mark.qt_log_ignore("QPainter::begin")
def test_a_printer_that_cannot_start_says_so(qtbot, tmp_path: Path, monkeypatch):
    def broken_printer(_self: FirstRunDialog) -> QPrinter:
        printer = key_sheet.new_printer()
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(tmp_path / "no such folder" / "sheet.pdf"))
        return printer

    monkeypatch.setattr(FirstRunDialog, "choose_printer", broken_printer)
    dialog = key_shown(qtbot, tmp_path)
    dialog.print_button.click()
    assert "write the key down" in dialog.key_status.text()


def test_a_refused_first_run_says_why_and_creates_nothing(qtbot, tmp_path: Path):
    database = tmp_path / "triage.db"
    dialog = FirstRunDialog(lambda u, n, p: initialise_store(database, u, n, p), str(database))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.username.setText("admin")
    dialog.display_name.setText("Service Admin")
    dialog.password.setText("short")
    dialog.repeat.setText("short")
    dialog.create_store()
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
