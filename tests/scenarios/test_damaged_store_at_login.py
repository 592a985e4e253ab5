"""A team leader logs in to a store whose files were damaged or tampered with (issue 13, items 8 and 16).

The login window is typed into as a person does (username, Tab, password, Return). It says what is
wrong with the store in words of its own for each kind of damage, names `triage db restore` as the
way back, never blames the password, the key or a server, and opens nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from tests.keys import focused, press
from tests.scenarios.shared_pc import active, no_wait
from tests.store.fault_stores import LEAD, PASSWORDS, Template, copy_store, make_template
from tests.store.test_damaged_store import CASES
from triage.services.login import WRONG, open_authenticated
from triage.ui.login import LoginDialog


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    return make_template(tmp_path_factory.mktemp("login-damage"))


@pytest.mark.parametrize(
    "case", ["the file cut short", "the -wal with a committed import deleted", "the file emptied",
             "another store's key file"],
)  # fmt: skip
def test_the_login_window_says_what_is_wrong_with_the_store_and_how_to_get_it_back(
    qtbot, template: Template, tmp_path: Path, case: str
) -> None:
    damage, _error, words, restore = CASES[case]
    database = copy_store(template, tmp_path / "store")
    damage(template, database)
    dialog = LoginDialog(lambda u, p: open_authenticated(database, u, p, sleep=no_wait), str(database))
    qtbot.addWidget(dialog)
    dialog.show()
    active(qtbot, dialog)
    assert focused() is dialog.username
    qtbot.keyClicks(dialog.username, LEAD)
    press(qtbot, Qt.Key.Key_Tab)
    qtbot.keyClicks(focused(), PASSWORDS[LEAD])
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(dialog.message.isVisible, timeout=20_000)
    shown = dialog.message.text()
    assert words in shown and ("`triage db restore" in shown) == restore, shown
    assert shown != WRONG and "server" not in shown and "Traceback" not in shown
    assert dialog.result() != QDialog.DialogCode.Accepted and dialog.result_value is None
