"""Render each main screen offscreen into PNG files, on synthetic data in a temporary store:

    QT_QPA_PLATFORM=offscreen python -m triage.ui.screenshots docs/screenshots

The bundled font, the Fusion style and fixed window sizes make the pictures the same on every machine;
the first-run and login windows are shown at the size they take themselves, and the letter window at
the size it takes on a 1280×720 laptop. Every NHS number here is in the 999 range, which is never
issued to a real person; the recovery key shown is made up here and opens nothing.
"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCore import QLocale
from PySide6.QtWidgets import QApplication, QWidget

from triage.resources import resource_path
from triage.rules.ruleset import load_ruleset
from triage.services import (
    confirm_decision,
    create_referral,
    decided_referral,
    get_referral,
    parse,
    save_draft,
    save_gp_practice,
    save_screening,
)
from triage.services.inputs import DecisionInput, GpPracticeInput, ReferralInput, ScreeningInput
from triage.services.login import WRONG
from triage.services.permissions import User
from triage.services.screening_form import condition_lists
from triage.services.users import add_user
from triage.settings import Contact, ServiceSettings
from triage.store import Store, open_store
from triage.store.errors import StoreError
from triage.store.keys import new_recovery_key
from triage.ui.audit_viewer import AuditViewer
from triage.ui.keyboard_help import KeyboardHelp
from triage.ui.letter_dialog import LetterDialog
from triage.ui.login import FirstRunDialog, LoginDialog
from triage.ui.main_window import MainWindow
from triage.ui.matrix_view import MatrixView
from triage.ui.referral_dialog import NewReferralDialog
from triage.ui.risk_alert import HighRiskAlert
from triage.ui.settings_dialog import SettingsDialog
from triage.ui.theme import apply_theme
from triage.ui.users_dialog import UsersDialog
from triage.ui.worker import wait_until_answered

SETTINGS = ServiceSettings(
    service_name="Doncaster Talking Therapies",
    address_lines=("1 Example Street", "Doncaster", "DN1 1AA"),
    phone="01302 000 000",
    crisis_contacts=(Contact(name="Crisis team (CRHTT)", phone="0800 000 0000", hours="24 hours"),
                     Contact(name="NHS 111, option 2", phone="111", hours="24 hours")),
    duty_contacts=(Contact(name="Duty senior PWP", phone="01302 000 001", hours="9am-5pm weekdays"),),
)  # fmt: skip
# The people using the app in the pictures (not accounts: the store here is a plain demo file).
PWP = User("priya.shah", "Priya Shah", "pwp")
ADMIN = User("admin", "Service Admin", "admin")
PEOPLE = (
    ("9990000018", "Alex", "Example", "1986-03-14"),
    ("9990000026", "Sam", "Sample", "1979-11-02"),
    ("9990000034", "Jo", "Specimen", "1995-06-30"),
    ("9990000042", "Chris", "Placeholder", "1962-01-19"),
    ("9990000050", "Robin", "Testcase", "2001-09-08"),
)


def _referral(store: Store, index: int, days_ago: int) -> str:
    nhs, given, family, born = PEOPLE[index]
    data = {"nhs_number": nhs, "given_name": given, "family_name": family, "date_of_birth": born,
            "received_on": (date.today() - timedelta(days=days_ago)).isoformat(), "source": "gp",
            "gp_practice_code": "C84001"}  # fmt: skip
    return create_referral(store, PWP, parse(ReferralInput, data)).id


def seed(store: Store) -> dict[str, str]:
    save_gp_practice(store, ADMIN, parse(GpPracticeInput, {"code": "C84001", "name": "Example Street Surgery",
                                                           "address": "2 Example Street\nDoncaster\nDN1 1AB",
                                                           "gp_names": ("Dr A Example",)}))  # fmt: skip
    ids = {name: _referral(store, i, days) for i, (name, days) in enumerate(
        (("decided", 12), ("in_progress", 3), ("new", 1), ("crisis", 6), ("second", 0)))}  # fmt: skip
    answers = {"phq9": (2, 2, 1, 1, 2, 1, 1, 1, 0), "gad7": (2, 2, 1, 1, 1, 0, 1), "chronicity": "medium",
               "complexity": "low", "impairment": "medium", "substance_use": "low", "risk": "low",
               "problem_descriptor": "depression"}  # fmt: skip
    save_screening(store, PWP, ids["decided"], parse(ScreeningInput, answers))
    confirm_decision(store, PWP, ids["decided"], parse(DecisionInput, {"confirmed_route": "core_iapt", "confirmed_step": 2}),
                     ruleset=load_ruleset(resource_path("rules", "doncaster-2007.yaml")))  # fmt: skip
    draft = {"section": "ratings", "phq9": [3, 2, 3, 2, 2, 1, 2, 1, 1], "gad7": [2, 3, 2, 2, 1, 1, 2],
             "ratings": {"chronicity": "high", "complexity": "high"},
             "risk_details": {"thoughts": {"present": "yes", "detail": "fleeting, no plan"}}}  # fmt: skip
    save_draft(store, PWP, ids["in_progress"], draft, section="ratings")
    return ids


STORE_PATH = r"C:\Users\priya.shah\AppData\Local\triage\triage.db"
LAPTOP = (1280, 720)  # the smaller of the service's laptop screens
TITLE_AND_TASKBAR = 60  # what a window there leaves for its title bar and the taskbar (triage.ui.fit)
WINDOW = (LAPTOP[0], LAPTOP[1] - TITLE_AND_TASKBAR)  # the main window as it opens there


def grab(widget: QWidget, path: Path, size: tuple[int, int] | None) -> None:
    """``size``: None for the size the window gives itself."""
    if size is not None:
        widget.resize(*size)
    widget.show()
    for _ in range(3):  # word-wrapped labels settle their height over more than one layout pass
        QApplication.processEvents()
    widget.grab().save(str(path))


def first_run_with_key() -> FirstRunDialog:
    dialog = FirstRunDialog(lambda _u, _n, _p: new_recovery_key(), STORE_PATH)
    typed = {dialog.username: "admin", dialog.display_name: "Service Admin"}
    for edit in (dialog.password, dialog.repeat):
        typed[edit] = "a long enough password"
    for edit, text in typed.items():
        edit.setText(text)
    dialog.create_store()
    return dialog


def login_with_error() -> LoginDialog:
    def refuse(_username: str, _password: str) -> None:
        raise StoreError(WRONG)

    dialog = LoginDialog(refuse, STORE_PATH)
    dialog.show()
    dialog.username.setText("priya.shah")
    dialog.password.setText("not the password")
    dialog.accept()
    while not dialog.message.isVisible():  # the answer comes back from the login's worker thread
        QApplication.processEvents()
    return dialog


def conflict_and_item9(window: MainWindow, referral_id: str, out: Path) -> None:
    """A route chosen, then COPD ticked: the conflict the screener must resolve; and, on a second
    screening, PHQ-9 item 9 above 0 with the banner naming where to carry on."""
    window.open_referral(referral_id)
    page = window.screening
    assert page is not None
    session = page.session
    for item, value in enumerate((2, 2, 1, 1, 2, 1, 1, 1, 0)):
        session.set_answer("phq9", item, value)
    for item, value in enumerate((2, 2, 1, 1, 1, 0, 1)):
        session.set_answer("gad7", item, value)
    for variable in ("chronicity", "complexity", "impairment", "substance_use", "risk"):
        session.set_rating(variable, "low")  # type: ignore[arg-type]
    session.set_problem_descriptor("depression")
    session.set_long_term_conditions([])
    session.set_mus_kinds([])
    session.choose_route("core_iapt", 2)
    session.set_long_term_conditions([condition_lists().long_term_conditions[1]])  # COPD
    window.resize(*WINDOW)
    QApplication.processEvents()
    page.scroll_area.ensureWidgetVisible(page.decision.keep, 0, 120)
    grab(window, out / "screening-conflict.png", WINDOW)
    session.follow_recommendation()
    for item in range(9):
        session.set_answer("phq9", item, None)
    for item, value in enumerate((3, 3, 3, 3, 3, 3, 3, 3, 1)):
        session.set_answer("phq9", item, value)
    for item in range(7):
        session.set_answer("gad7", item, None)
    page.go_to("risk")
    grab(window, out / "screening-item9.png", WINDOW)
    window.drop_screening()  # a picture, not a screening: no draft kept


def render(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication([])
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom))
    apply_theme(app)  # type: ignore[arg-type]
    ruleset = load_ruleset(resource_path("rules", "doncaster-2007.yaml"))
    for name, login in (("first-run", first_run_with_key()), ("login-error", login_with_error())):
        grab(login, out / f"{name}.png", None)
        login.hide()
    with tempfile.TemporaryDirectory() as folder, open_store(Path(folder) / "demo.db") as store:
        os.environ["TRIAGE_SETTINGS"] = str(Path(folder) / "settings.json")
        ids = seed(store)
        window = MainWindow(store, ruleset, SETTINGS, PWP)
        wait_until_answered(window.model.worker)  # the list is fetched off the GUI thread
        window.statusBar().showMessage(f"Ruleset {ruleset.id} {ruleset.version} ({ruleset.status})")
        grab(window, out / "referral-list.png", WINDOW)
        window.open_referral(ids["in_progress"])
        grab(window, out / "screening.png", WINDOW)
        page = window.screening
        assert page is not None
        session = page.session  # the page shows its session: state is set there, never in a widget
        session.set_rating("impairment", "medium")
        session.set_rating("substance_use", "low")
        session.update_risk_details({"contacted": "Duty senior PWP", "contacted_at": "2026-11-23T10:42:00",
                                     "actions_taken": "Crisis team to assess at home today"})  # fmt: skip
        session.set_rating("risk", "high")  # the action is recorded already: no alert is drawn
        page.go_to("summary", focus=False)
        grab(window, out / "summary-high-risk.png", WINDOW)
        window.close_screening()
        conflict_and_item9(window, ids["new"], out)
        for name, dialog, size in (
            ("high-risk-alert", HighRiskAlert(SETTINGS, window), (620, 420)),
            ("new-referral", NewReferralDialog([], window), (620, 520)),
            ("settings", SettingsDialog(store, ruleset, SETTINGS, ADMIN, window), (760, 700)),
            ("matrix", MatrixView(ruleset, window), (1264, 660)),  # the whole grid: 1280x720 less the frame
            ("keyboard-help", KeyboardHelp(window), None),
            (
                "letter-preview",
                LetterDialog(
                    store,
                    decided_referral(store, PWP, ids["decided"]),
                    settings=SETTINGS,
                    user=PWP,
                    ruleset=ruleset,
                    parent=window,
                ),
                (900, LAPTOP[1] - TITLE_AND_TASKBAR),
            ),
        ):
            grab(dialog, out / f"{name}.png", size)
            dialog.hide()
        get_referral(store, PWP, ids["new"])  # one more look to show in the trail
        viewer = AuditViewer(store, ADMIN, window)
        wait_until_answered(viewer.model.worker)
        grab(viewer, out / "audit-trail.png", (1100, 700))
        viewer.hide()
        for username, name, role in (("priya.shah", "Priya Shah", "pwp"), ("lee.lead", "Lee Lead", "team_leader")):
            add_user(store, ADMIN, username, name, role, "a long enough password")
        users = UsersDialog(store, ADMIN, window)
        grab(users, out / "users.png", (820, 440))
        users.hide()
        window.close_screening()
        window.close()
    return sorted(out.glob("*.png"))


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/screenshots")
    for path in render(target):
        print(path)
