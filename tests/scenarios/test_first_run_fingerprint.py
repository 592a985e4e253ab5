"""First run, by keyboard, as an admin setting triage up: beside the recovery key the window shows the
admin's audit-key fingerprint, for the same paper (issue 13 item 7), and it is the key that signs and
countersigns the new store's trail, the one `triage db verify` and every backup print. The printed
sheet carries it too."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.scenarios.test_first_run_by_keyboard import PASSWORD, in_full_view, type_into_focus
from tests.users import CHEAP_KDF
from triage.services.login import open_authenticated
from triage.services.maintenance import signing_summary
from triage.services.store_setup import create_store
from triage.ui import key_sheet
from triage.ui.login import FirstRunDialog


def test_first_run_shows_the_admin_fingerprint_beside_the_recovery_key(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # fmt: skip
    monkeypatch.setattr("triage.store.keys.KDF_PARAMS", CHEAP_KDF)
    database = tmp_path / "triage.db"
    dialog = FirstRunDialog(lambda u, n, p: create_store(database, u, n, p), str(database))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    for text in ("admin", "Service Admin", PASSWORD):
        type_into_focus(qtbot, text)
    qtbot.keyClicks(QApplication.focusWidget(), PASSWORD)
    qtbot.keyClick(dialog.repeat, Qt.Key.Key_Return)  # create the store

    shown = dialog.fingerprint
    assert dialog.recovery_key and shown and len(shown) == 39  # eight groups of four hex digits
    assert f"Your admin key fingerprint: {shown}" in dialog.fingerprint_label.text()
    for widget in (dialog.key_label, dialog.fingerprint_label, dialog.written_down, dialog.continue_button):
        assert in_full_view(widget, dialog), widget.accessibleName()
    sheet = key_sheet.sheet_html(dialog.recovery_key, str(database), date.today(), fingerprint=shown)
    assert shown in sheet

    store, admin = open_authenticated(database, "admin", PASSWORD, sleep=lambda _s: None)
    with store:
        summary = signing_summary(store, admin)
    assert f"admin key: admin {shown}" in summary  # what db verify and every backup print
    assert any(line.startswith("countersigned: last at event") and line.endswith(shown) for line in summary)
