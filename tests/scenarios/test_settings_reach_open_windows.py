"""Settings are observed, not copied (live-call issue 12), on a shared practice PC, by keyboard.

The service admin logs in, opens Settings (Ctrl+,), types the service's new name and phone and a longer
idle lock, and saves with Return. Her open window follows at once: its title names the service, and
its idle lock counts the new time. She logs out; Priya logs in and opens the letters of a decided
referral (Ctrl+F, its name, Down, Ctrl+L): the letter's letterhead, in the PDF itself, has the new
name and phone."""

from __future__ import annotations

import io
from pathlib import Path

import pypdf
from PySide6.QtCore import Qt

from tests.store.test_letters_store import decided
from tests.users import CHEAP_KDF
from triage.services.login import open_authenticated
from triage.services.service_settings import service_settings
from triage.ui.letter_dialog import LetterDialog
from triage.ui.settings_dialog import SettingsDialog

from .shared_pc import PASSWORDS, active, focused, log_in, no_wait, press, set_up, when_modal

NAME = "Doncaster Talking Therapies"
PHONE = "01302 555 0101"
CTRL, CTRL_SHIFT = (
    Qt.KeyboardModifier.ControlModifier,
    Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
)


def test_saved_settings_reach_the_open_window_and_the_letters(qtbot, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("triage.store.keys.KDF_PARAMS", CHEAP_KDF)
    pc = set_up(tmp_path)
    store, _admin = open_authenticated(pc.database, "admin", PASSWORDS["admin"], sleep=no_wait)
    decided(store, serial=7)  # a referral screened and decided: its letters can be written
    store.close()
    pc.sessions.show_login()

    admin = log_in(qtbot, pc, "admin")
    assert admin.windowTitle() == "triage — NHS Talking Therapies"  # the shipped default
    saved: list[int] = []

    def change(dialog: SettingsDialog) -> None:
        # Keys go to each field: offscreen, a modal opened from a shortcut is not always made the
        # active window, so the focus widget may still be the main window's.
        qtbot.keyClick(dialog.name, Qt.Key.Key_A, CTRL)
        qtbot.keyClicks(dialog.name, NAME)
        qtbot.keyClicks(dialog.phone, PHONE)
        qtbot.keyClick(dialog.idle_minutes, Qt.Key.Key_A, CTRL)
        qtbot.keyClicks(dialog.idle_minutes, "12")
        dialog.finished.connect(saved.append)
        qtbot.keyClick(dialog.phone, Qt.Key.Key_Return)  # Save

    when_modal(qtbot, SettingsDialog, change)
    press(qtbot, Qt.Key.Key_Comma, CTRL)  # Settings
    assert saved == [1]  # accepted: the dialog's exec() has returned
    stored = service_settings(admin.store)  # kept in the store
    assert (stored.service_name, stored.phone, stored.idle_lock_minutes) == (NAME, PHONE, 12)
    assert admin.windowTitle() == f"triage — {NAME}"  # the open window followed
    assert admin.idle_monitor is not None and admin.idle_monitor.timer.interval() == 12 * 60_000
    assert admin.idle_monitor.timer.isActive()

    active(qtbot, admin)
    press(qtbot, Qt.Key.Key_Q, CTRL_SHIFT)  # Log out
    qtbot.waitUntil(lambda: pc.sessions.window is None and pc.sessions.login_dialog is not None)
    priya = log_in(qtbot, pc, "priya")
    assert priya.windowTitle() == f"triage — {NAME}"
    press(qtbot, Qt.Key.Key_F, CTRL)
    qtbot.keyClicks(focused(), "Testfamily7")
    press(qtbot, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: focused() is priya.home.table)  # the search answered
    letterhead: list[str] = []

    def read(dialog: LetterDialog) -> None:
        assert dialog.letter is not None
        letterhead.append(
            "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(dialog.letter.pdf)).pages)
        )
        dialog.reject()

    when_modal(qtbot, LetterDialog, read)
    press(qtbot, Qt.Key.Key_L, CTRL)  # Letters
    assert len(letterhead) == 1
    assert NAME in letterhead[0] and PHONE in letterhead[0]
    priya.close()
    priya.store.close()
