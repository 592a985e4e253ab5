"""The desktop flow end to end: a new referral to a confirmed decision by keyboard alone; a draft that
survives a killed process; every screen labelled for assistive technology."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt

from tests.keys import when_modal
from tests.users import ADMIN, PWP, as_pwp
from triage.services import create_referral, get_referral, list_drafts, load_draft, parse
from triage.services.inputs import ReferralInput
from triage.ui.referral_dialog import NewReferralDialog
from triage.ui.settings_dialog import SettingsDialog

from .a11y import unnamed_interactive_widgets
from .conftest import RULESET, SETTINGS, focused, listed

KEYBOARD_DOC = Path(__file__).resolve().parents[2] / "docs" / "keyboard.md"
NHS_NUMBER = "9990000018"  # 999 range: never issued to a real person


class Keyboard:
    """Presses keys where the focus is, counting control keystrokes apart from typed text."""

    def __init__(self, qtbot) -> None:
        self.qtbot = qtbot
        self.keys = 0
        self.typed = 0

    def press(self, key, modifier=Qt.KeyboardModifier.NoModifier, times: int = 1) -> None:
        for _ in range(times):
            self.qtbot.keyClick(focused(), key, modifier)
            self.keys += 1

    def answer(self, digits: str) -> None:
        for digit in digits:
            self.press(digit)

    def type(self, text: str) -> None:
        self.qtbot.keyClicks(focused(), text)
        self.typed += len(text)


def test_a_new_referral_to_a_confirmed_decision_by_keyboard_alone(qtbot, window, store):
    kb = Keyboard(qtbot)

    def fill(dialog: NewReferralDialog) -> None:
        # Typed only once the dialog's first field has the focus: keys typed before it went elsewhere,
        # the dialog stayed open and the test hung until its timeout under load.
        try:
            qtbot.waitUntil(dialog.fields["nhs_number"].hasFocus, timeout=10000)
            kb.type(NHS_NUMBER)
            kb.press(Qt.Key.Key_Tab)
            kb.type("Alex")
            kb.press(Qt.Key.Key_Tab)
            kb.type("Example")
            kb.press(Qt.Key.Key_Tab)
            kb.type("14/03/1986")
            kb.press(Qt.Key.Key_Return)  # received today, from the GP: the defaults
        finally:
            if dialog.isVisible():  # refused, or never focused: fail on it, never hang in its modal loop
                refused.append(dialog.problems.text() or "the dialog never had the focus")
                dialog.reject()

    refused: list[str] = []

    when_modal(qtbot, NewReferralDialog, fill)
    kb.press(Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    page = window.screening
    assert page is not None and refused == [], refused
    qtbot.waitUntil(page.phq9.rows[0].hasFocus)  # focus comes back to the window once the dialog is gone

    kb.answer("221121110")  # PHQ-9, each digit answers and moves on
    kb.answer("2211101")  # GAD-7; the last answer moves on to chronicity, past "also ask the WSAS"
    kb.answer("2111")  # chronicity, complexity, impairment, substance use: each moves on to the next
    kb.answer("NNNN")  # risk prompts: thoughts, intent, plan, history: N for "No" moves on to the next
    kb.type("Partner and children")  # protective factors
    kb.press(Qt.Key.Key_Tab)
    kb.answer("1")  # risk low, and on to the main problem
    kb.answer("D")  # problem descriptor: Depression
    for _list in range(2):  # section 6, its first unanswered field each time: "None" for each list
        kb.press(Qt.Key.Key_6, Qt.KeyboardModifier.AltModifier)
        kb.press(Qt.Key.Key_Space)
    kb.press(Qt.Key.Key_7, Qt.KeyboardModifier.AltModifier)  # to the summary: the route follows the recommendation
    kb.press(Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)

    assert window.screening is None, page.problems.text()
    drafts = list_drafts(store, PWP, only_mine=False)
    assert drafts == []
    listed(qtbot, window)  # the list, searched again off the GUI thread
    referral_id = window.model.referral_id(0)
    referral = get_referral(store, PWP, referral_id)
    assert referral.person.nhs_number == NHS_NUMBER
    assert referral.status == "decided"
    screening = referral.screenings[-1]
    assert screening.phq9 == [2, 2, 1, 1, 2, 1, 1, 1, 0] and screening.gad7 == [2, 2, 1, 1, 1, 0, 1]
    assert (
        screening.chronicity,
        screening.complexity,
        screening.impairment,
        screening.substance_use,
        screening.risk,
    ) == ("medium", "low", "low", "low", "low")
    assert screening.problem_descriptor == "depression"
    assert screening.risk_details["protective_factors"] == "Partner and children"
    decision = referral.decisions[-1]
    assert (screening.long_term_conditions, screening.mus_kinds) == ([], [])
    assert (decision.recommended_route, decision.confirmed_route, decision.decided_by) == (
        "core_iapt", "core_iapt", "pwp.tester")  # fmt: skip
    assert decision.confirmed_step == decision.recommended_step
    assert decision.ruleset_sha256 == RULESET.sha256

    documented = re.search(r"\*\*(\d+) keystrokes\*\*", KEYBOARD_DOC.read_text(encoding="utf-8"))
    assert documented and int(documented.group(1)) == kb.keys, (
        f"docs/keyboard.md says {documented and documented.group(1)} keystrokes; the flow now takes {kb.keys} "
        f"(plus {kb.typed} typed characters): update the document"
    )


def test_every_main_screen_is_labelled(qtbot, window, store):
    assert unnamed_interactive_widgets(window) == []
    referral = create_referral(store, as_pwp("pwp.tester"), parse(ReferralInput, {
        "nhs_number": NHS_NUMBER, "given_name": "Alex", "family_name": "Example", "date_of_birth": "1986-03-14",
        "received_on": date.today().isoformat(), "source": "gp"}))  # fmt: skip
    window.open_referral(referral.id)
    assert unnamed_interactive_widgets(window) == []
    dialog = NewReferralDialog([], window)
    qtbot.addWidget(dialog)
    dialog.show()
    assert unnamed_interactive_widgets(dialog) == []
    settings = SettingsDialog(store, RULESET, SETTINGS, ADMIN, window)
    qtbot.addWidget(settings)
    settings.show()
    assert unnamed_interactive_widgets(settings) == []


def test_a_draft_survives_a_killed_process_and_comes_back_with_every_answer(qtbot, tmp_path, store):
    referral = create_referral(store, as_pwp("pwp.tester"), parse(ReferralInput, {
        "nhs_number": NHS_NUMBER, "given_name": "Alex", "family_name": "Example", "date_of_birth": "1986-03-14",
        "received_on": date.today().isoformat(), "source": "self"}))  # fmt: skip
    script = textwrap.dedent(f"""
        import os, signal
        from PySide6.QtWidgets import QApplication
        from PySide6.QtTest import QTest
        from triage.store import open_store
        from tests.ui.conftest import RULESET, SETTINGS
        from tests.users import PWP
        from triage.ui.main_window import MainWindow
        app = QApplication([])
        window = MainWindow(open_store({str(store.url.database)!r}), RULESET, SETTINGS, PWP)
        window.show()
        window.open_referral({referral.id!r})
        page = window.screening
        for row, digit in zip(page.phq9.rows, "123012301"):
            QTest.keyClick(row, digit)
        QTest.keyClick(page.raters["chronicity"].levels_row, "3")
        QTest.keyClicks(page.raters["chronicity"].note, "since the redundancy")
        QTest.qWait(2500)  # longer than the autosave delay, and no more: then the power goes
        print("typed", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "TRIAGE_SETTINGS": str(tmp_path / "s.json")}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env,
                          cwd=Path(__file__).resolve().parents[2])  # fmt: skip
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert "typed" in done.stdout

    draft = load_draft(store, PWP, referral.id)
    assert draft is not None and draft.payload["form"]["phq9"] == [1, 2, 3, 0, 1, 2, 3, 0, 1]

    from triage.ui.main_window import MainWindow

    window = MainWindow(store, RULESET, SETTINGS, PWP)
    qtbot.addWidget(window)
    window.show()
    assert window.home.drafts_banner.isVisible()
    assert window.home.drafts.count() == 1
    window.resume_draft()
    page = window.screening
    assert page is not None
    assert page.phq9.answers() == [1, 2, 3, 0, 1, 2, 3, 0, 1]
    assert page.raters["chronicity"].level == "high"
    assert page.raters["chronicity"].note.text() == "since the redundancy"
    assert page.item9_banner.isVisible()  # item 9 was 1: the risk prompt is back too
