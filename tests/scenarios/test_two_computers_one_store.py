"""Issue 14, "service settings belong to the service": two computers open one store, each with its own
settings folder (two ``TRIAGE_SETTINGS`` paths). On the first, the service admin opens Settings (Ctrl+,),
types the service's name, address, phone and crisis line, and saves with Return. On the second, Priya
logs in: her window is titled with the service's name; the high-risk alert her screening raises lists
the crisis line; and the letters she opens (Ctrl+F, the name, Down, Ctrl+L) carry the letterhead, and
the patient copy the crisis line, in the PDF itself. The second computer's own file holds no service value.

Only the windows and the letters are read here (no service call), so this test ran unchanged against
the code before the service's settings moved into the store: there the second computer showed the
shipped defaults and no crisis line (HAZ: a colleague's laptop prints a different letterhead)."""

from __future__ import annotations

import io
from pathlib import Path

import pypdf
import pytest
from PySide6.QtCore import Qt

from tests.scenarios.test_live_call_risk_and_mus import answer_up_to_risk
from tests.store.test_letters_store import decided
from tests.users import CHEAP_KDF
from triage.services.login import open_authenticated
from triage.ui.app import Sessions
from triage.ui.letter_dialog import LetterDialog
from triage.ui.risk_alert import HighRiskAlert
from triage.ui.settings_dialog import SettingsDialog

from .shared_pc import PASSWORDS, SharedPC, active, focused, log_in, no_wait, press, set_up, when_modal

NAME = "Doncaster Talking Therapies"
PHONE = "01302 555 0101"
CRISIS_NAME, CRISIS_PHONE = "Doncaster crisis line", "0800 804 8999"
CTRL = Qt.KeyboardModifier.ControlModifier


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def on_computer(monkeypatch: pytest.MonkeyPatch, folder: Path, pc: SharedPC) -> Sessions:
    """Triage started on another computer: its own settings file, the same store."""
    folder.mkdir()
    monkeypatch.setenv("TRIAGE_SETTINGS", str(folder / "settings.json"))
    sessions = Sessions(lambda u, p: open_authenticated(pc.database, u, p, sleep=no_wait), str(pc.database),
                        leave=pc.left.append)  # fmt: skip
    pc.sessions = sessions
    sessions.show_login()
    return sessions


def test_two_computers_opening_one_store_show_the_same_contacts_and_letterhead(qtbot, tmp_path: Path,
                                                                                 monkeypatch) -> None:  # fmt: skip
    monkeypatch.setattr("triage.store.keys.KDF_PARAMS", CHEAP_KDF)
    pc = set_up(tmp_path)
    store, _admin = open_authenticated(pc.database, "admin", PASSWORDS["admin"], sleep=no_wait)
    decided(store, serial=7)  # a referral screened and decided: its letters can be written
    store.close()

    on_computer(monkeypatch, tmp_path / "computer-a", pc)
    admin = log_in(qtbot, pc, "admin")
    saved: list[int] = []

    def type_settings(dialog: SettingsDialog) -> None:
        qtbot.keyClick(dialog.name, Qt.Key.Key_A, CTRL)
        qtbot.keyClicks(dialog.name, NAME)
        qtbot.keyClicks(dialog.address, "1 Example Street")
        qtbot.keyClick(dialog.address, Qt.Key.Key_Return)
        qtbot.keyClicks(dialog.address, "Doncaster")
        qtbot.keyClicks(dialog.phone, PHONE)
        qtbot.keyClicks(dialog.crisis, f"{CRISIS_NAME} | {CRISIS_PHONE} | 24 hours")
        dialog.finished.connect(saved.append)
        qtbot.keyClick(dialog.phone, Qt.Key.Key_Return)  # Save

    when_modal(qtbot, SettingsDialog, type_settings)
    press(qtbot, Qt.Key.Key_Comma, CTRL)  # Settings
    assert saved == [1]
    active(qtbot, admin)
    press(qtbot, Qt.Key.Key_Q, CTRL | Qt.KeyboardModifier.ShiftModifier)  # Log out
    qtbot.waitUntil(lambda: pc.sessions.window is None and pc.sessions.login_dialog is not None)
    pc.sessions.login_dialog.reject()  # this computer's triage ends

    second = tmp_path / "computer-b"
    on_computer(monkeypatch, second, pc)
    priya = log_in(qtbot, pc, "priya")
    assert priya.windowTitle() == f"triage — {NAME}"

    alerts: list[str] = []

    def read_alert(alert: HighRiskAlert) -> None:
        alerts.append(_contacts(alert))
        qtbot.keyClicks(alert.contacted, "Duty manager J. Smith")
        qtbot.keyClicks(alert.action, "Crisis team to assess at home today")
        qtbot.keyClick(alert.action, Qt.Key.Key_Return)

    priya.open_referral(pc.referral_id)
    page = priya.screening
    assert page is not None
    qtbot.waitUntil(page.phq9.rows[0].hasFocus)
    when_modal(qtbot, HighRiskAlert, read_alert)
    answer_up_to_risk(qtbot, "3")  # risk rated high: the alert
    qtbot.waitUntil(lambda: len(alerts) == 1, timeout=5000)
    assert f"<b>Crisis:</b> {CRISIS_NAME} — <b>{CRISIS_PHONE}</b>" in alerts[0]
    qtbot.waitUntil(lambda: not page._alert_open)
    active(qtbot, priya)
    press(qtbot, Qt.Key.Key_W, CTRL)  # back to the list (the screening kept as a draft)
    qtbot.waitUntil(lambda: priya.screening is None)

    press(qtbot, Qt.Key.Key_F, CTRL)
    qtbot.keyClicks(focused(), "Testfamily7")
    press(qtbot, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: focused() is priya.home.table)  # the search answered
    letters: dict[str, str] = {}

    def read_letters(dialog: LetterDialog) -> None:
        assert dialog.letter is not None
        letters["gp"] = pdf_text(dialog.letter.pdf)
        while dialog.kind.currentData() != "patient":
            qtbot.keyClick(dialog.kind, Qt.Key.Key_Down)
        assert dialog.letter is not None and dialog.letter.kind == "patient"
        letters["patient"] = pdf_text(dialog.letter.pdf)
        dialog.reject()

    when_modal(qtbot, LetterDialog, read_letters)
    press(qtbot, Qt.Key.Key_L, CTRL)  # Letters
    assert set(letters) == {"gp", "patient"}
    for text in letters.values():
        assert NAME in text and PHONE in text and "1 Example Street" in text
    assert CRISIS_PHONE in letters["patient"]
    own = second / "settings.json"
    assert not own.exists() or NAME not in own.read_text(encoding="utf-8")  # nothing of the service's here
    priya.close()
    priya.store.close()


def _contacts(alert: HighRiskAlert) -> str:
    from PySide6.QtWidgets import QLabel

    return next(label.text() for label in alert.findChildren(QLabel)
                if label.accessibleName() == "Crisis and duty contacts")  # fmt: skip
