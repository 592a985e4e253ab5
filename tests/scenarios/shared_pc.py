"""A shared practice PC for the session scenarios: an encrypted store with two PWPs and one referral,
app.py's real ``Sessions`` (the login window, then each user's main window), and keyboard helpers
that type where the focus is. Synthetic people only; the passwords are the tests' own."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from tests.keys import answer as answer
from tests.keys import focused as focused
from tests.keys import press as press
from tests.keys import when_modal as when_modal
from triage.services import create_referral, parse
from triage.services.inputs import ReferralInput
from triage.services.login import open_authenticated
from triage.services.store_setup import initialise_store
from triage.services.users import add_user
from triage.store.audit import events_for
from triage.ui.app import Sessions
from triage.ui.login import LoginDialog
from triage.ui.main_window import MainWindow

PASSWORDS = {"admin": "admin password here", "priya": "priya's own password", "ben": "ben's own password"}
NAMES = {"priya": "Priya Shah", "ben": "Ben Okafor"}
SEEDED = {"nhs_number": "9990000026", "given_name": "Marigold", "family_name": "Quennell",
          "date_of_birth": "1977-05-21", "source": "gp"}  # fmt: skip


def no_wait(_seconds: float) -> None:
    return None


@dataclass
class SharedPC:
    database: Path
    referral_id: str
    sessions: Sessions
    left: list[int] = field(default_factory=list)  # the app's exit codes, had it ended


def set_up(folder: Path) -> SharedPC:
    database = folder / "triage.db"
    initialise_store(database, "admin", "Service Admin", PASSWORDS["admin"])
    store, admin = open_authenticated(database, "admin", PASSWORDS["admin"], sleep=no_wait)
    for name in NAMES:
        add_user(store, admin, name, NAMES[name], "pwp", PASSWORDS[name])
    store.close()
    # Priya's referral under her own login: each event is signed with its user's own key (HAZ-021), and
    # a backup's verification refuses an event signed by another's.
    store, priya = open_authenticated(database, "priya", PASSWORDS["priya"], sleep=no_wait)
    received = {**SEEDED, "received_on": date.today().isoformat()}
    referral = create_referral(store, priya, parse(ReferralInput, received))
    store.close()
    left: list[int] = []
    sessions = Sessions(lambda u, p: open_authenticated(database, u, p, sleep=no_wait), str(database),
                        leave=left.append)  # fmt: skip
    return SharedPC(database, referral.id, sessions, left)


def active(qtbot, widget: QWidget) -> None:  # type: ignore[no-untyped-def]
    """Mnemonics and shortcuts reach the active window only."""
    widget.activateWindow()
    qtbot.waitUntil(widget.isActiveWindow)


def log_in(qtbot, pc: SharedPC, name: str, password: str | None = None) -> MainWindow:  # type: ignore[no-untyped-def]
    """Type the username and password into the login window that is showing; Return logs in."""
    dialog = pc.sessions.login_dialog
    assert isinstance(dialog, LoginDialog) and dialog.isVisible()
    active(qtbot, dialog)
    assert focused() is dialog.username
    qtbot.keyClicks(dialog.username, name)
    press(qtbot, Qt.Key.Key_Tab)
    qtbot.keyClicks(focused(), password or PASSWORDS[name])
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: pc.sessions.window is not None, timeout=20_000)
    window = pc.sessions.window
    assert window is not None and window.user.username == name
    active(qtbot, window)
    return window


def open_the_referral(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    """From the referral list: the first row, Return opens it."""
    window.home.table.setFocus()
    qtbot.waitUntil(lambda: window.model.rowCount() == 1)
    press(qtbot, Qt.Key.Key_Down)
    press(qtbot, Qt.Key.Key_Return)


def screening_started(qtbot, pc: SharedPC, name: str, typed: str) -> MainWindow:  # type: ignore[no-untyped-def]
    """The app started, ``name`` logged in through its login window, the referral opened from the list,
    and ``typed`` answered on its screening: the start of every shared-PC session scenario."""
    pc.sessions.show_login()
    window = log_in(qtbot, pc, name)
    open_the_referral(qtbot, window)
    assert window.screening is not None
    qtbot.waitUntil(window.screening.phq9.rows[0].hasFocus)
    answer(qtbot, typed)
    return window


def audit_actions(window: MainWindow, entity_type: str, entity_id: str) -> list[tuple[str, str]]:
    with window.store.read() as session:
        return [(e.actor, e.action) for e in events_for(session, entity_type, entity_id)]  # type: ignore[arg-type]
