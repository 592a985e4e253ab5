"""A new version of triage opens a store the previous one wrote (issue 13 item 11): Priya logs in as
usual; before updating the store's schema the app made a verified copy of it beside it, and once her
window is up a message says so and where the copy is. Return closes it; her window is ready."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from tests.store.test_migrations import REVISIONS
from tests.users import CHEAP_KDF
from triage.services.login import authenticate
from triage.store import open_store, schema_revision
from triage.store.backup import kept_copies
from triage.store.database import downgrade_schema
from triage.ui.login import LoginDialog

from .shared_pc import PASSWORDS, active, focused, no_wait, press, set_up


def test_logging_in_to_an_older_store_says_where_its_copy_from_before_the_update_is(qtbot, tmp_path: Path,
                                                                                     monkeypatch) -> None:  # fmt: skip
    monkeypatch.setattr("triage.store.keys.KDF_PARAMS", CHEAP_KDF)
    pc = set_up(tmp_path)
    key, _ = authenticate(pc.database, "admin", PASSWORDS["admin"], sleep=no_wait)
    with open_store(pc.database, key=key, migrate=False) as store:  # as the previous version left it
        downgrade_schema(store.engine, REVISIONS[-2])
    dialog = pc.sessions.show_login()
    assert isinstance(dialog, LoginDialog)
    active(qtbot, dialog)
    qtbot.keyClicks(dialog.username, "priya")
    press(qtbot, Qt.Key.Key_Tab)
    qtbot.keyClicks(focused(), PASSWORDS["priya"])
    press(qtbot, Qt.Key.Key_Return)

    def notice() -> QMessageBox | None:
        found = [w for w in QApplication.topLevelWidgets() if w.objectName() == "migration-notice" and w.isVisible()]
        return found[0] if found and isinstance(found[0], QMessageBox) else None

    qtbot.waitUntil(
        lambda: notice() is not None, timeout=60_000
    )  # a migration, its verified copy and a first signing key: slow on a busy machine
    box = notice()
    assert box is not None and pc.sessions.window is not None
    (copy,) = kept_copies(pc.database)
    assert copy.name.endswith(f".from-schema-{REVISIONS[-2]}")
    assert box.text() == (
        "This version of triage updated the database's schema when it opened it. A verified copy of the "
        f"database as it was before the update is kept as {copy} (the newest 3 copies are kept beside the database)."
    )
    with open_store(copy, key=key, migrate=False, hold=False) as kept:
        assert schema_revision(kept.engine) == REVISIONS[-2]
    active(qtbot, box)
    press(qtbot, Qt.Key.Key_Return)  # OK
    qtbot.waitUntil(lambda: notice() is None)
    assert schema_revision(pc.sessions.window.store.engine) == REVISIONS[-1]
