"""Scheduled backups (issue 13 item 11), on a shared practice PC, by keyboard.

The service admin logs in, opens Settings (Ctrl+,), and in "Scheduled backups (this computer)" picks
"Every few closes of triage" (Down), types 1 close and the folder, and saves with Return. She closes
the main window: the close waits for the backup, and the folder then holds one verified backup of the
store, with its key file, audited under her name. She logs in again and Settings shows the outcome.
Priya, a PWP, sees the section read-only."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from tests.users import CHEAP_KDF
from triage.services.login import authenticate
from triage.services.scheduled_backup import load_state, scheduled_backups
from triage.settings import BackupSchedule, ComputerSettings, load_computer_settings, save_computer_settings
from triage.store import open_store, verify_database
from triage.store.audit import events_for
from triage.ui.settings_dialog import SettingsDialog

from .shared_pc import PASSWORDS, log_in, no_wait, press, set_up, when_modal

CTRL = Qt.KeyboardModifier.ControlModifier


def referrals_in(path: Path, key: bytes) -> int:
    with open_store(path, key=key, migrate=False, hold=False) as store, store.engine.connect() as connection:
        assert verify_database(store, older_schema_ok=True) == []
        return int(connection.exec_driver_sql("SELECT count(*) FROM referral").scalar_one())


def test_an_admin_schedules_backups_and_closing_the_window_makes_a_verified_one(qtbot, tmp_path: Path,
                                                                                 monkeypatch) -> None:  # fmt: skip
    monkeypatch.setattr("triage.store.keys.KDF_PARAMS", CHEAP_KDF)
    pc = set_up(tmp_path)
    folder = tmp_path / "backup drive"
    folder.mkdir()
    pc.sessions.show_login()
    admin = log_in(qtbot, pc, "admin")
    shown: list[str] = []

    def schedule(dialog: SettingsDialog) -> None:
        section = dialog.backups
        assert not section.every.isEnabled()  # off: nothing to count yet
        qtbot.keyClick(section.when, Qt.Key.Key_Down)  # Off -> Every few closes of triage
        qtbot.keyClick(section.every, Qt.Key.Key_A, CTRL)
        qtbot.keyClicks(section.every, "1")
        qtbot.keyClicks(section.folder, str(folder))
        shown.append(section.last.text())
        qtbot.keyClick(section.folder, Qt.Key.Key_Return)  # Save

    when_modal(qtbot, SettingsDialog, schedule)
    press(qtbot, Qt.Key.Key_Comma, CTRL)  # Settings
    assert shown == ["No scheduled backup has been made on this computer yet."]
    assert load_computer_settings().scheduled_backup == BackupSchedule(
        when="closes", every_closes=1, folder=str(folder)
    )
    assert list(folder.iterdir()) == []

    admin.close()  # the window's close button: the session ends, the close waits for the backup
    qtbot.waitUntil(lambda: pc.left == [0], timeout=30_000)
    (backup,) = scheduled_backups(folder, "triage")
    assert sorted(p.name for p in folder.iterdir()) == [backup.name, f"{backup.name}.keys"]  # nothing partial
    key, _ = authenticate(pc.database, "admin", PASSWORDS["admin"], sleep=no_wait)
    assert referrals_in(backup, key) == referrals_in(pc.database, key) == 1  # whole, verified
    outcome = load_state().last
    assert outcome is not None and outcome.ok and outcome.detail == f"made and verified: {backup}"
    assert str(folder) in outcome.detail and "Marigold" not in outcome.detail  # a file name, no patient data

    pc.sessions.show_login()
    again = log_in(qtbot, pc, "admin")
    with again.store.read() as session:
        trail = [(e.actor, e.summary) for e in events_for(session, "database", "backup")]
    assert trail == [("admin", "scheduled backup made")]
    seen: list[str] = []

    def read(dialog: SettingsDialog) -> None:
        seen.append(dialog.backups.last.text())
        dialog.reject()

    when_modal(qtbot, SettingsDialog, read)
    press(qtbot, Qt.Key.Key_Comma, CTRL)
    assert len(seen) == 1 and seen[0].startswith("Last scheduled backup, ")
    assert seen[0].endswith(f": made and verified: {backup}.")


def test_a_pwp_sees_the_schedule_read_only(qtbot, tmp_path: Path, monkeypatch) -> None:
    from tests.users import PWP
    from triage.rules.ruleset import default_ruleset
    from triage.settings import ServiceSettings

    monkeypatch.setattr("triage.store.keys.KDF_PARAMS", CHEAP_KDF)
    save_computer_settings(ComputerSettings(scheduled_backup=BackupSchedule(when="daily", folder=str(tmp_path))))
    with open_store(tmp_path / "t.db") as store:
        dialog = SettingsDialog(store, default_ruleset(), ServiceSettings(), PWP)
        qtbot.addWidget(dialog)
        section = dialog.backups
        assert section.when.currentData() == "daily" and section.folder.text() == str(tmp_path)
        assert not any(w.isEnabled() for w in (section.when, section.every, section.folder, section.keep))
        assert "Only an admin can change these." in section.findChildren(type(section.last))[-1].text()
