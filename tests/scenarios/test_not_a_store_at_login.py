"""Issue 13, item 9, in the app: ``triage --database FILE`` pointed at a file that exists but is not a store
(emptied to 0 bytes, cut short, or some other file) shows the login window, as for any existing store;
the person types their username and password and is told, in one message, that the file is not a triage
store. Nothing is written to it or beside it: the file stays byte for byte as it was, even with a key file
beside it that the password opens (opening would have written an empty schema into it). Only
``triage init`` (the first-run window) creates a store."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from tests.keys import focused, press, when_modal
from tests.users import CHEAP_KDF
from triage.services.store_setup import initialise_store
from triage.ui import app as app_module
from triage.ui.login import FirstRunDialog, LoginDialog

PASSWORD = "admin password here"
NOT_STORES = {
    "empty": b"",
    "garbage": random.Random(13).randbytes(100),
    "text": b"Monday's clinic list\r\nrooms 2 and 4, from 9.30\r\n",
}


@pytest.fixture(scope="module")
def key_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real store's key file (cheap key derivation): the admin's password opens it."""
    database = tmp_path_factory.mktemp("real") / "triage.db"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("triage.store.keys.KDF_PARAMS", CHEAP_KDF)
        initialise_store(database, "admin", "Service Admin", PASSWORD)
    return database.with_name("triage.db.keys")


@pytest.mark.parametrize("kind", NOT_STORES)
def test_logging_in_to_a_file_that_is_not_a_store_says_so_and_leaves_it_untouched(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, key_file: Path, kind: str
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("triage.store.keys.KDF_PARAMS", CHEAP_KDF)
    monkeypatch.setattr(app_module, "apply_theme", lambda app, **kwargs: None)  # the tests' own style stays
    monkeypatch.setattr(app_module, "after_first_window", lambda: None)
    boxes: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text: boxes.append(text))
    monkeypatch.setattr(FirstRunDialog, "exec", lambda self: pytest.fail("no first run: the file exists"))
    database = tmp_path / "triage.db"
    database.write_bytes(NOT_STORES[kind])
    shutil.copyfile(key_file, tmp_path / "triage.db.keys")
    before = {path.name: path.read_bytes() for path in tmp_path.iterdir()}
    seen: list[str] = []

    def type_the_login(dialog: LoginDialog) -> None:
        dialog.activateWindow()
        qtbot.waitUntil(dialog.isActiveWindow)
        assert focused() is dialog.username
        qtbot.keyClicks(dialog.username, "admin")
        press(qtbot, Qt.Key.Key_Tab)
        qtbot.keyClicks(focused(), PASSWORD)
        press(qtbot, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: dialog.message.isVisible() and not dialog.call.busy, timeout=20_000)
        seen.append(dialog.message.text())
        press(qtbot, Qt.Key.Key_Escape)  # the person gives up: the app ends

    when_modal(qtbot, LoginDialog, type_the_login)
    assert app_module.run_app(database=str(database)) == 0
    what = (
        "it is empty, 0 bytes"
        if kind == "empty"
        else "it is not a whole number of pages: cut short, or not a store at all"
    )
    assert seen == [
        f"the file at {database} is not a triage store ({what}); nothing was opened or changed. "
        "Restore it from a backup with `triage db restore`"
    ]
    assert boxes == []
    assert {path.name: path.read_bytes() for path in tmp_path.iterdir()} == before  # nothing written, nothing added
