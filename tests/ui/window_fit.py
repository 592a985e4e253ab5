"""Every window of the app, built with realistic synthetic content on one offscreen screen, measured.

Run by tests/ui/test_window_fit.py as ``python -m tests.ui.window_fit`` in a fresh process per screen
size, because a Qt process keeps the screens it started with: the screen comes from the offscreen
plugin's configuration file (``QT_QPA_PLATFORM=offscreen:configfile=...``). Prints one JSON object,
for each window its class, sizes, frame and the problems found in it:

- a button or label that is not wholly inside the window and each of its parents (off the window);
- a word-wrapped label shorter than its text at its width, a button smaller than its text (clipped);
- a key widget (Continue, Print, Save, the recovery key...) not shown at all.

Widgets inside a scrolling area are only checked for clipping: the area scrolls to them.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from PySide6.QtCore import QRect
from PySide6.QtWidgets import QAbstractButton, QAbstractScrollArea, QApplication, QLabel, QWidget

# A store path as long as a Windows profile with a long name makes it (synthetic).
STORE_PATH = r"C:\Users\alexandra.example-specimen\AppData\Local\NHS Talking Therapies\triage\referrals\triage.db"
Built = tuple[QWidget, tuple[str, ...]]  # the window, and the attribute paths of its key widgets


def settle(app: QApplication, rounds: int = 5) -> None:
    for _ in range(rounds):
        app.processEvents()


def rect_of(widget: QWidget) -> list[int]:
    return [widget.x(), widget.y(), widget.width(), widget.height()]


def inside_scroll_area(widget: QWidget, window: QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        if isinstance(parent, QAbstractScrollArea):
            return True
        parent = parent.parentWidget()
    return False


def off_window(widget: QWidget, window: QWidget) -> bool:
    """Not wholly inside each of its parents up to the window (a parent clips what reaches past it)."""
    child, rect = widget, widget.rect()
    while child is not window:
        parent = child.parentWidget()
        assert parent is not None
        rect = QRect(child.mapTo(parent, rect.topLeft()), rect.size())
        if not parent.rect().contains(rect):
            return True
        child = parent
    return False


def clipped(widget: QWidget) -> str | None:
    if isinstance(widget, QLabel) and widget.wordWrap():
        needed = widget.heightForWidth(widget.width())
        return f"{widget.height()} px tall, its text needs {needed}" if widget.height() < needed else None
    hint = widget.minimumSizeHint() if isinstance(widget, QLabel) else widget.sizeHint()
    if widget.width() < hint.width() or widget.height() < hint.height():
        return f"{widget.width()}x{widget.height()} px, its text needs {hint.width()}x{hint.height()}"
    return None


def describe(widget: QWidget) -> str:
    text = widget.text() if isinstance(widget, (QLabel, QAbstractButton)) else ""
    name = widget.accessibleName() or widget.objectName() or type(widget).__name__
    return f"{name} ({text[:40]!r})" if text else name


def problems(window: QWidget, keys: tuple[str, ...]) -> list[str]:
    found = []
    for path in keys:
        widget = attribute(window, path)
        if not widget.isVisibleTo(window):
            found.append(f"{path} is not shown")
        elif off_window(widget, window) and not inside_scroll_area(widget, window):
            found.append(f"{path} is off the window at {rect_of(widget)}")
    for widget in window.findChildren(QWidget):
        if not isinstance(widget, (QLabel, QAbstractButton)) or not widget.isVisibleTo(window):
            continue
        if not (isinstance(widget, QLabel) and widget.text() == "") and (why := clipped(widget)):
            found.append(f"{describe(widget)} is clipped: {why}")
        if off_window(widget, window) and not inside_scroll_area(widget, window):
            found.append(f"{describe(widget)} is off the window at {rect_of(widget)}")
    return found


def attribute(root: Any, path: str) -> Any:
    for name in path.split("."):
        root = getattr(root, name)
    return root


def measure(app: QApplication, window: QWidget, keys: tuple[str, ...]) -> dict[str, Any]:
    window.show()
    settle(app)
    hint, least, frame = window.sizeHint(), window.minimumSizeHint(), window.frameGeometry()
    area = window.screen().availableGeometry()
    return {
        "class": type(window).__name__,
        "available": [area.x(), area.y(), area.width(), area.height()],
        "size_hint": [hint.width(), hint.height()],
        "minimum_size_hint": [least.width(), least.height()],
        "minimum_size": [window.minimumWidth(), window.minimumHeight()],
        "size": [window.width(), window.height()],
        "frame": [frame.x(), frame.y(), frame.width(), frame.height()],
        "problems": problems(window, keys),
    }


# --- the windows ---------------------------------------------------------------------------------


def first_run(app: QApplication) -> Built:
    from triage.store.keys import new_recovery_key
    from triage.ui.login import FirstRunDialog

    dialog = FirstRunDialog(lambda _u, _n, _p: new_recovery_key(), STORE_PATH)
    dialog.show()  # shown first: the dialog must grow when the key appears, as on a real first run
    settle(app)
    for edit, text in ((dialog.username, "admin"), (dialog.display_name, "Service Admin"),
                       (dialog.password, "a long enough password"), (dialog.repeat, "a long enough password")):  # fmt: skip
        edit.setText(text)
    dialog.create_store()
    dialog.copy_key()  # its message shown too
    return dialog, ("key_intro", "key_label", "copy_button", "print_button", "written_down", "continue_button")


def login_error(app: QApplication) -> Built:
    from triage.ui.screenshots import login_with_error

    dialog = login_with_error()
    return dialog, ("store_label", "message", "ok")


def session(store: Any, app: QApplication) -> Iterator[tuple[str, Callable[[], Built]]]:
    """The windows of a logged-in session, on a store seeded as for the screenshots."""
    from triage.resources import resource_path
    from triage.rules.ruleset import load_ruleset
    from triage.services import decided_referral
    from triage.services.meeting_people import meeting_accounts
    from triage.services.meeting_queue import send_to_meeting
    from triage.services.permissions import User
    from triage.services.referral_record import referral_record
    from triage.services.users import add_user, list_users
    from triage.ui.account_forms import AddUserForm, PasswordForm, RoleForm, SupervisorForm
    from triage.ui.account_menu import ChangePasswordForm
    from triage.ui.addressee_dialog import AddresseeDialog
    from triage.ui.audit_viewer import AuditViewer
    from triage.ui.journey_dialog import JourneyDialog
    from triage.ui.keyboard_help import KeyboardHelp
    from triage.ui.letter_dialog import LetterDialog
    from triage.ui.main_window import MainWindow
    from triage.ui.matrix_view import MatrixView
    from triage.ui.meeting_open_dialog import MeetingOpenDialog
    from triage.ui.meeting_queue_dialog import meeting_queue_dialog
    from triage.ui.merge_dialog import MergeDialog, UndoMergeDialog
    from triage.ui.record_edits import CorrectionDialog, DetailsDialog
    from triage.ui.referral_dialog import NewReferralDialog
    from triage.ui.reports_dialog import ReportsDialog
    from triage.ui.risk_alert import HighRiskAlert
    from triage.ui.screenshots import ADMIN, PWP, SETTINGS, seed
    from triage.ui.send_to_meeting_dialog import SendToMeetingDialog
    from triage.ui.settings_dialog import SettingsDialog
    from triage.ui.settings_import_dialog import SettingsImportDialog
    from triage.ui.users_dialog import UsersDialog

    ids = seed(store)
    for username, name, role in (("priya.shah", "Priya Shah", "pwp"), ("lee.lead", "Lee Lead", "team_leader")):
        add_user(store, ADMIN, username, name, role, "a long enough password")
    leader = User("lee.lead", "Lee Lead", "team_leader")
    send_to_meeting(
        store, PWP, ids["decided"], "Step 3 straight away, or guided self-help first while the history is explored?"
    )
    reference = referral_record(store, PWP, ids["decided"]).referral.reference
    ruleset = load_ruleset(resource_path("rules", "doncaster-2007.yaml"))
    window = MainWindow(store, ruleset, SETTINGS, PWP, unlock_check=lambda _password: False)

    def record() -> Built:
        window.open_referral(ids["decided"])  # its read-only record: the banner and the actions stay in view
        return window, ("record_page.banner", "record_page.back_button", "record_page.screen_button",
                        "record_page.correct_button", "record_page.edit_button", "record_page.letters_button",
                        "record_page.journey_button")  # fmt: skip

    def leader_record() -> Built:  # a team leader's record has the merge actions too
        leader_window = MainWindow(store, ruleset, SETTINGS, leader, unlock_check=lambda _password: False)
        leader_window.open_referral(ids["decided"])
        return leader_window, ("record_page.back_button", "record_page.journey_button", "record_page.merge_button")

    def screening() -> Built:
        window.open_referral(ids["in_progress"])
        return window, ("screening",)

    def locked() -> Built:
        window.lock()
        return window, ("lock_page.password",)

    def add_user_form() -> Built:
        form = AddUserForm(lambda *_args: None, window)  # type: ignore[arg-type,return-value]
        form.show_problem("The user was not added: the username is taken already; choose another")
        return form, ("ok", "message")

    yield "main-window", lambda: (window, ("home.table", "home.new_button"))
    yield "new-referral", lambda: (NewReferralDialog([], window), ())
    yield "correct-identifiers", lambda: (CorrectionDialog(referral_record(store, PWP, ids["decided"]), window),
                                          ("save_button",))  # fmt: skip
    yield "edit-address-and-gp", lambda: (DetailsDialog(referral_record(store, PWP, ids["decided"]), ("Dr A",), window),
                                          ("save_button",))  # fmt: skip
    yield "merge-records", lambda: (MergeDialog(window, referral_record(store, PWP, ids["decided"])),
                                    ("action_button", "table", "reason"))  # fmt: skip
    yield "undo-merge", lambda: (UndoMergeDialog(window, referral_record(store, PWP, ids["decided"])),
                                 ("action_button", "undo_reason"))  # fmt: skip
    yield "gp-addressee", lambda: (AddresseeDialog(("Dr A Example", "Dr B Sample"), window), ())
    yield "settings", lambda: (SettingsDialog(store, ruleset, SETTINGS, ADMIN, window), ())
    yield "settings-import", lambda: (SettingsImportDialog(every_field_differs(), window), ())
    yield "matrix", lambda: (MatrixView(ruleset, window), ())
    yield "letters", lambda: (LetterDialog(store, decided_referral(store, PWP, ids["decided"]), settings=SETTINGS,
                                           user=PWP, parent=window), ("view", "print_button", "save_button",
                                                                      "close_button"))  # fmt: skip
    yield "high-risk-alert", lambda: (HighRiskAlert(SETTINGS, window), ("record",))
    yield "journey", lambda: (JourneyDialog(store, PWP, referral_record(store, PWP, ids["decided"]), window),
                              ("contact_button", "treatment_button", "close_button", "message"))  # fmt: skip
    yield "send-to-meeting", lambda: (SendToMeetingDialog(store, PWP, ids["decided"], reference, window),
                                      ("send_button", "message"))  # fmt: skip
    yield "meeting-queue", lambda: (meeting_queue_dialog(store, leader, window), ("meeting_button", "message"))
    yield "open-meeting", lambda: (MeetingOpenDialog(meeting_accounts(store, leader), window, chair="lee.lead"),
                                   ("open_button",))  # fmt: skip
    yield "audit-trail", lambda: (AuditViewer(store, ADMIN, window), ())
    yield "reports", lambda: (ReportsDialog(store, leader, window), ("run_button", "save_button", "message"))
    yield "users", lambda: (UsersDialog(store, ADMIN, window), ())
    yield "add-user", add_user_form
    yield "password-form", lambda: (PasswordForm("priya.shah", lambda _password: None, window), ("ok",))
    yield "role-form", lambda: (RoleForm(list_users(store, ADMIN)[0], lambda _role: None, window), ("ok",))
    yield "supervisor-form", lambda: (SupervisorForm(list_users(store, ADMIN)[0], list_users(store, ADMIN),
                                                     lambda _chosen: None, window), ("ok",))  # fmt: skip
    yield "change-my-password", lambda: (ChangePasswordForm(PWP, lambda _old, _new: None, window), ("ok",))
    yield "keyboard-shortcuts", lambda: (KeyboardHelp(window), ("text",))
    yield "record", record
    yield "leader-record", leader_record
    yield "screening", screening
    yield "locked", locked


def every_field_differs():  # type: ignore[no-untyped-def]
    """The settings import offer at its longest: every service setting differs, each with long values."""
    from triage.services.settings_import import Difference, ImportOffer
    from triage.settings import SERVICE_FIELDS, ServiceSettings, field_label

    long_value = "; ".join(f"Crisis line {n}, 0800 000 00{n}0, 24 hours" for n in range(4))
    differences = tuple(Difference(name, field_label(name), long_value, "(none)", True) for name in SERVICE_FIELDS)
    return ImportOffer("store", ServiceSettings(), None, differences)


def report(app: QApplication, folder: Path) -> dict[str, Any]:
    from triage.store import open_store

    measured: dict[str, Any] = {}
    for name, build in (("first-run", lambda: first_run(app)), ("login-error", lambda: login_error(app))):
        window, keys = build()
        measured[name] = measure(app, window, keys)
        window.hide()
    with open_store(folder / "fit.db") as store:
        for name, build in session(store, app):
            window, keys = build()
            measured[name] = measure(app, window, keys)
            if name not in ("main-window", "record", "screening"):  # the main window stays up under its dialogs
                window.hide()
    return measured


def main() -> None:
    from PySide6.QtCore import QLocale

    from triage.ui.theme import apply_theme

    app = QApplication([sys.argv[0]])
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom))
    apply_theme(app)
    with tempfile.TemporaryDirectory() as folder:
        os.environ["TRIAGE_SETTINGS"] = str(Path(folder) / "settings.json")  # never the real user's
        print(json.dumps(report(app, Path(folder))))


if __name__ == "__main__":
    main()
