"""Issue 14: carrying a computer's old settings file into the store, at the first admin login there.

This practice PC's settings file was written before the service's settings moved into the store: it
holds the service's name, phone and crisis line. Meanwhile an admin on another computer set the
store's phone. Priya (a PWP) logs in first: nothing is asked, nothing alarming is said, and her window
shows the store's values. Then the admin logs in: a dialog lists the fields that differ, each with
both values; the service name is ticked (the store still has the default), the phone is not (someone
set it). By keyboard she ticks the phone too (Tab, Space) and clears the crisis line (Tab, Space),
then imports with Return. The store now has this computer's name and phone, and still no crisis line;
the import is audited by field name; the file records the answer, and her next login asks nothing."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QCheckBox, QDialog

from tests.users import CHEAP_KDF
from triage.services.login import open_authenticated
from triage.services.service_settings import save_service_settings, service_settings
from triage.settings import ServiceSettings, load_computer_settings, settings_path
from triage.store.audit import events_for
from triage.ui.settings_import_dialog import SettingsImportDialog

from .shared_pc import PASSWORDS, active, log_in, no_wait, press, set_up, when_modal

OLD_FILE = {  # as triage wrote it before issue 14
    "service_name": "Doncaster Talking Therapies",
    "address_lines": [],
    "phone": "01302 555 0101",
    "crisis_contacts": [{"name": "Doncaster crisis line", "phone": "0800 804 8999", "hours": "", "source": ""}],
    "duty_contacts": [],
    "ruleset_path": None,
    "idle_lock_minutes": 5.0,
    "scheduled_backup": {"when": "off", "every_closes": 5, "folder": "", "keep": 10},
}
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def open_dialogs() -> list[QDialog]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QDialog) and w.isVisible()]


def log_out(qtbot, pc, window) -> None:  # type: ignore[no-untyped-def]
    active(qtbot, window)
    press(qtbot, Qt.Key.Key_Q, CTRL_SHIFT)
    qtbot.waitUntil(lambda: pc.sessions.window is None and pc.sessions.login_dialog is not None)


def test_the_first_admin_login_offers_this_computers_values_chosen_by_keyboard(qtbot, tmp_path: Path,
                                                                               monkeypatch) -> None:  # fmt: skip
    monkeypatch.setattr("triage.store.keys.KDF_PARAMS", CHEAP_KDF)
    pc = set_up(tmp_path)
    settings_path().write_text(json.dumps(OLD_FILE), encoding="utf-8")
    store, admin_user = open_authenticated(pc.database, "admin", PASSWORDS["admin"], sleep=no_wait)
    save_service_settings(store, admin_user, ServiceSettings(phone="01302 000 000"))  # set on another computer
    store.close()
    pc.sessions.show_login()

    priya = log_in(qtbot, pc, "priya")
    assert priya.windowTitle() == "triage — NHS Talking Therapies"  # the store's values, nothing asked
    assert priya.settings.phone == "01302 000 000"
    assert open_dialogs() == [] and priya.statusBar().currentMessage().startswith("Ruleset")
    log_out(qtbot, pc, priya)

    seen: list[tuple[str, ...]] = []

    def choose(dialog: SettingsImportDialog) -> None:
        # Keys go to the dialog's own focus widget: offscreen, a modal is not always made the active window.
        def key(k: Qt.Key) -> None:
            qtbot.keyClick(dialog.focusWidget(), k)

        try:
            seen.append(tuple(f"{box.text()}={box.isChecked()}" for box in dialog.findChildren(QCheckBox)))
            moves = [dialog.focusWidget()]  # the first field has the keyboard
            key(Qt.Key.Key_Tab)
            moves.append(dialog.focusWidget())
            key(Qt.Key.Key_Space)  # take this computer's phone after all
            key(Qt.Key.Key_Tab)
            moves.append(dialog.focusWidget())
            key(Qt.Key.Key_Space)  # but not its crisis line
            seen.append(tuple(name for name, box in dialog.choices.items() if box in moves))
            key(Qt.Key.Key_Return)  # Import the ticked values
        finally:
            if dialog.isVisible():  # a failed step must not leave the login waiting on the dialog
                dialog.reject()

    when_modal(qtbot, SettingsImportDialog, choose)
    admin = log_in(qtbot, pc, "admin")
    assert seen == [("Take this computer's service name=True", "Take this computer's service phone=False",
                     "Take this computer's crisis contacts=True"), ("service_name", "phone", "crisis_contacts")]  # fmt: skip
    assert admin.windowTitle() == "triage — Doncaster Talking Therapies"
    stored = service_settings(admin.store)
    assert (stored.service_name, stored.phone, stored.crisis_contacts) == (OLD_FILE["service_name"],
                                                                           OLD_FILE["phone"], ())  # fmt: skip
    with admin.store.read() as session:
        trail = [(e.actor, e.action, e.summary) for e in events_for(session, "database", "settings")]
    assert trail[-1] == (
        "admin",
        "import",
        "changed: phone, service_name (imported from this computer's settings file)",
    )
    assert load_computer_settings().service_values_offered  # answered, on this computer
    log_out(qtbot, pc, admin)

    again: list[SettingsImportDialog] = []
    when_modal(qtbot, SettingsImportDialog, again.append)
    admin = log_in(qtbot, pc, "admin")
    qtbot.wait(100)
    assert again == [] and open_dialogs() == []  # not asked again here
    admin.close()
    admin.store.close()
