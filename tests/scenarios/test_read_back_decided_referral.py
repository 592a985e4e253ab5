"""Reading back a decided high-risk referral, by keyboard alone (defect 8 of the live-call issue).

A team leader finds the referral (Ctrl+F, its family name, Down, Return) and sees its read-only
record: the risk answers and the actions agreed, the decision (recommended against chosen, and why),
the letters and the status history, under a banner with the person's name. Escape goes back to the
list and leaves no draft and no "screening in progress" banner. Ctrl+E re-screens: for the PWP who
decided it and for a team leader it opens the screening; for another PWP, or once the letter is sent,
it is refused in words, and the refusal is audited."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from tests.keys import press
from tests.scenarios.clinical import main_window
from tests.ui.record_case import DECIDER, FAMILY_NAME, REASON, decided_high_risk
from tests.users import as_admin, as_leader, as_pwp
from triage.rules.ruleset import default_ruleset
from triage.store import Store, open_store
from triage.store.models import AuditEvent, Draft
from triage.ui.main_window import MainWindow

ROUTES = default_ruleset().route_labels


@pytest.fixture
def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    with open_store(tmp_path / "triage.db") as opened:
        yield opened


@pytest.fixture
def told(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the window said in a message box (a modal box would block the test)."""
    said: list[str] = []
    monkeypatch.setattr("triage.ui.main_window.QMessageBox.information", lambda _p, _t, text: said.append(text))
    return said


def open_by_keyboard(qtbot, window: MainWindow, search: str) -> None:  # type: ignore[no-untyped-def]
    """Ctrl+F, the search typed, Down to the list, Return."""
    press(qtbot, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is window.home.search
    qtbot.keyClicks(window.home.search, search)
    press(
        qtbot, Qt.Key.Key_Down
    )  # the search runs at once, off the GUI thread: the list takes the focus when it answers
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.home.table)
    press(qtbot, Qt.Key.Key_Return)


def drafts_in(store: Store) -> list[str]:
    with store.read() as session:
        return list(session.scalars(select(Draft.referral_id)))


def refusals(store: Store) -> list[tuple[str, str]]:
    with store.read() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "permission_denied"))
        return [(e.actor, e.summary) for e in events]


def test_a_team_leader_reads_back_a_decided_high_risk_referral_and_leaves_nothing_behind(qtbot, store, told):
    case = decided_high_risk(store)  # its GP letter printed: letter sent
    window = main_window(qtbot, store, as_leader("lead.one"))
    open_by_keyboard(qtbot, window, FAMILY_NAME)  # the person has two referrals: the newer, decided one is first

    page = window.record_page
    assert page is not None and window.screening is None and page.record.referral.id == case.referral_id
    assert window.stack.currentWidget() is page and page.isVisible()
    assert QApplication.focusWidget() is page.banner.text  # whose record it is, read first
    assert FAMILY_NAME.upper() in page.banner.plain_text() and "HIGH RISK" in page.banner.plain_text()
    shown = {heading: view for heading, view in page.sections.items() if view.isVisibleTo(window)}
    risk, decision = shown["Risk"].toPlainText(), shown["Decision"].toPlainText()
    for answer in ("Thoughts of suicide or harm to self or others: Yes: most days", "Intent to act on them: No",
                   "A plan: No", "History of self-harm, suicide attempts or harm to others: Yes: overdose 2019",
                   "Protective factors: Two children; a supportive sister", "Who was contacted: Duty senior PWP",
                   "What was agreed, actions taken: Safety plan agreed; crisis numbers given."):  # fmt: skip
        assert answer in risk, answer
    assert f"Recommended by the matrix: {ROUTES['crisis_team']}" in decision
    assert f"Chosen: {ROUTES['cmht']} — NOT the recommendation" in decision and f"Reason: {REASON}" in decision
    assert "GP letter printed by pwp.one" in shown["Letters"].toPlainText()
    assert "Letter sent (pwp.one)" in shown["Status history"].toPlainText()
    for heading in ("Risk", "Decision", "Letters", "Status history"):  # and a screen reader finds them by name
        face = QAccessible.queryAccessibleInterface(shown[heading])
        assert face is not None and face.text(QAccessible.Text.Name) == heading

    press(qtbot, Qt.Key.Key_Tab)  # from the banner to the risk, the first section
    assert QApplication.focusWidget() is page.sections["Risk"]
    press(qtbot, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)  # re-screen: the letter is sent, so no
    assert window.screening is None and window.record_page is page
    assert told and "letter sent cannot be screened again" in told[-1] and "letter sent" in page.note.text()

    press(qtbot, Qt.Key.Key_Escape)
    assert window.record_page is None and window.stack.currentWidget() is window.home
    assert QApplication.focusWidget() is window.home.table
    assert drafts_in(store) == []
    assert not window.home.drafts_banner.isVisible() and window.home.drafts.count() == 0


def test_ctrl_e_re_screens_for_whoever_may_and_is_refused_in_words_for_whoever_may_not(qtbot, store, told):
    case = decided_high_risk(store, letter_sent=False)  # decided by pwp.one, its letter not yet sent

    other = main_window(qtbot, store, as_pwp("pwp.two"))
    open_by_keyboard(qtbot, other, FAMILY_NAME)
    assert other.record_page is not None and other.record_page.screen_button is not None
    press(qtbot, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert other.screening is None and other.record_page is not None
    assert told and "pwp.one decided this referral" in told[-1] and "team leader" in told[-1]
    assert "pwp.one decided this referral" in other.record_page.note.text()
    assert refusals(store) == [("pwp.two", "refused: override_any")]
    other.close()

    decider = main_window(qtbot, store, DECIDER)
    open_by_keyboard(qtbot, decider, FAMILY_NAME)
    press(qtbot, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    page = decider.screening
    assert page is not None and decider.record_page is None and decider.referral_id == case.referral_id
    qtbot.waitUntil(page.phq9.rows[0].hasFocus)  # a new screening, at its first question
    press(qtbot, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)  # nothing answered: back, and no draft
    assert decider.screening is None and drafts_in(store) == [] and not decider.home.drafts_banner.isVisible()
    decider.close()

    leader = main_window(qtbot, store, as_leader("lead.one"))
    open_by_keyboard(qtbot, leader, FAMILY_NAME)
    press(qtbot, Qt.Key.Key_E, Qt.KeyboardModifier.AltModifier)  # the button's mnemonic: Re-scr&een
    qtbot.waitUntil(lambda: leader.screening is not None)  # a button clicks a moment after its mnemonic
    # a team leader may re-screen anyone's decision (override_any)
    assert refusals(store) == [("pwp.two", "refused: override_any")]
    leader.close()

    admin = main_window(qtbot, store, as_admin())  # no patient record for an admin: nothing to open
    admin.open_referral(case.referral_id)
    assert admin.record_page is None and admin.screening is None and "does not allow" in told[-1]
