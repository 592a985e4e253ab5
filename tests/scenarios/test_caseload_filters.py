"""A PWP's caseload in the list, by keyboard (issue 15 items 4 and 5; docs/journey.md, "The list").

The list's stage filter (its accessible name says what it filters by) offers "Mine (assigned to me)",
"Awaiting decision" and "High risk (open)" beside the waits. The PWP reaches it by Tab from the
search, moves through it with Down, and each choice shows only its referrals, counted in words under
the list: theirs and no one else's, screened with no decision yet, and open at high risk by the
latest screening (a screening redone at low risk is not high risk any more), and their teams' with
the service's own (not another team's). The list's Risk column
says the latest rating in a word, beside the assigned clinician and who screened it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible

from tests.keys import focused, press
from tests.scenarios.clinical import CTRL, down_to, to
from tests.store.conftest import referral_input
from tests.store.test_decisions import HIGH_RISK
from tests.store.test_screenings import ANSWERS
from tests.users import PWP, as_admin, as_leader
from triage.services import ScreeningInput, create_referral, save_screening
from triage.services.teams import add_team, assign_clinician, join_team, set_referral_team
from triage.services.users import add_account
from triage.store import Store
from triage.ui.main_window import MainWindow

LEAD = as_leader("lead")


def caseload(store: Store) -> dict[str, str]:
    """Five referrals: the PWP's own two (one in their team NORTH), a colleague's in team SOUTH, one
    screened at high risk and one screened at high risk then again at low risk."""
    with store.write() as session:
        for name, role in ((PWP.username, "pwp"), (LEAD.username, "team_leader")):
            add_account(session, name, name.title(), role, "a long enough password 1", actor="setup")
    ids = {family: create_referral(store, LEAD, referral_input(serial, family_name=family)).id
           for serial, family in enumerate(("Mineone", "Minetwo", "Colleagues", "Highrisk", "Redone"), start=20)}  # fmt: skip
    for family in ("Mineone", "Minetwo"):
        assign_clinician(store, PWP, ids[family], PWP.username)
    assign_clinician(store, LEAD, ids["Colleagues"], LEAD.username)
    with store.write() as session:
        add_account(session, "admin", "Admin", "admin", "a long enough password 1", actor="setup")
    for code in ("NORTH", "SOUTH"):
        add_team(store, as_admin("admin"), code, code.title())
    join_team(store, as_admin("admin"), "NORTH", PWP.username)
    set_referral_team(store, LEAD, ids["Mineone"], "NORTH")
    set_referral_team(store, LEAD, ids["Colleagues"], "SOUTH")  # another team's
    save_screening(store, LEAD, ids["Highrisk"], ScreeningInput.model_validate(HIGH_RISK))
    save_screening(store, LEAD, ids["Redone"], ScreeningInput.model_validate(HIGH_RISK))
    save_screening(store, LEAD, ids["Redone"], ScreeningInput.model_validate(ANSWERS))
    return ids


def shown(window: MainWindow) -> set[str]:
    rows = (window.model.row_at(i) for i in range(window.model.rowCount()))
    return {row.family_name for row in rows if row is not None}


def column(window: MainWindow, row: int, heading: str) -> str:
    """The text the list shows in ``row`` under ``heading``."""
    headings = [window.model.headerData(c, Qt.Orientation.Horizontal) for c in range(window.model.columnCount())]
    return str(window.model.data(window.model.index(row, headings.index(heading))))


def test_a_pwp_filters_to_their_caseload_awaiting_decision_and_high_risk_by_keyboard(
    qtbot, store: Store, window: MainWindow
) -> None:  # type: ignore[no-untyped-def]
    caseload(store)
    to(qtbot, window.home.search)
    press(qtbot, Qt.Key.Key_F, CTRL)
    for _ in range(3):  # the search, then the status and route filters, then the stage filter
        press(qtbot, Qt.Key.Key_Tab)
    combo = window.home.journey
    assert focused() is combo
    assert combo.accessibleName() == "Filter by stage, wait, risk or caseload"
    said = QAccessible.queryAccessibleInterface(combo)  # on Linux Qt gives a drop-down's choice as its name
    assert said is not None and said.text(QAccessible.Text.Value) == "Any stage"

    def choose(words: str, families: set[str]) -> None:
        down_to(qtbot, combo, words)
        qtbot.waitUntil(lambda: not window.model.loading and shown(window) == families, timeout=5000)
        assert said.text(QAccessible.Text.Value) == combo.currentText()  # what a screen reader says
        count = len(families)
        assert window.home.count.text() == f"{count} referral{'s' if count != 1 else ''}"

    choose("Awaiting decision", {"Highrisk", "Redone"})
    choose("High risk (open)", {"Highrisk"})  # Redone's latest screening is low risk
    assert column(window, 0, "Risk") == "High" and column(window, 0, "Screened by") == LEAD.username  # words
    choose("Mine (assigned to me)", {"Mineone", "Minetwo"})  # not the colleague's
    assert {column(window, row, "Clinician") for row in (0, 1)} == {PWP.username}
    assert {column(window, row, "Risk") for row in (0, 1)} == {""}  # not screened yet
    choose("My teams'", {"Mineone", "Minetwo", "Highrisk", "Redone"})  # NORTH's and the service's, not SOUTH's
    press(qtbot, Qt.Key.Key_Home)  # back to every referral
    qtbot.waitUntil(lambda: not window.model.loading and len(shown(window)) == 5, timeout=5000)
    assert combo.currentText() == "Any stage"
