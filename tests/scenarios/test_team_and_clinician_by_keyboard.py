"""A PWP puts a referral into their team and assigns it to themselves from the record's Edit dialog
(Alt+A), by keyboard (issue 15 item 4), through the real windows and services/teams.py.

Another team, not theirs, is refused by its field, the dialog stays open and nothing is written (the
refusal audited); their own team and themselves are saved in one write, audited old → new, and the
record, read afresh, shows both."""

from __future__ import annotations

from PySide6.QtCore import Qt
from sqlalchemy import select

from tests.keys import focused, press, when_modal
from tests.scenarios.clinical import ALT, main_window, to
from tests.scenarios.test_correct_identifiers import closing_on_failure, failures
from tests.scenarios.test_read_back_decided_referral import open_by_keyboard
from tests.store.test_letters_store import decided
from tests.users import PWP, as_admin
from triage.services.teams import add_team, join_team
from triage.services.users import add_account
from triage.store.models import AuditEvent, Referral
from triage.ui.record_edits import DetailsDialog

ADMIN = as_admin("admin")


def test_a_pwp_sets_their_team_and_themselves_by_keyboard_another_team_refused(qtbot, store) -> None:  # type: ignore[no-untyped-def]
    failures.clear()
    with store.write() as session:
        for name, role in (("pwp.tester", "pwp"), ("admin", "admin")):
            add_account(session, name, "Priya Shah" if role == "pwp" else "Admin", role, "a long enough password 1",
                        actor="setup")  # fmt: skip
    add_team(store, ADMIN, "NORTH", "Doncaster North")
    add_team(store, ADMIN, "SOUTH", "Doncaster South")
    referral_id, _ = decided(store, referral={"family_name": "Teamless"})  # created by someone in no team
    join_team(store, ADMIN, "NORTH", PWP.username)
    window = main_window(qtbot, store, PWP)
    open_by_keyboard(qtbot, window, "Teamless")
    page = window.record_page
    assert page is not None and "Team: none (the whole service's)" in page.sections["Referral"].toPlainText()
    seen: dict[str, object] = {}

    def edit(dialog: DetailsDialog) -> None:
        to(qtbot, dialog.team)
        press(qtbot, Qt.Key.Key_End)  # the last team: SOUTH, not the PWP's
        press(qtbot, Qt.Key.Key_Return)
        seen["refused"] = dialog.problems.text()
        seen["focus"] = focused() is dialog.team  # the field to fix has the focus
        with store.read() as session:
            seen["stored"] = session.get(Referral, referral_id).team_code  # type: ignore[union-attr]
        press(qtbot, Qt.Key.Key_Up)  # NORTH, their own
        press(qtbot, Qt.Key.Key_Tab)  # the clinician
        assert focused() is dialog.clinician
        press(qtbot, Qt.Key.Key_Down)  # Priya Shah (pwp.tester): themselves
        press(qtbot, Qt.Key.Key_Return)

    when_modal(qtbot, DetailsDialog, closing_on_failure(edit))
    press(qtbot, Qt.Key.Key_A, ALT)
    qtbot.waitUntil(lambda: failures or (window.record_page is not page and window.record_page is not None),
                    timeout=10_000)  # fmt: skip
    assert not failures, failures
    assert "<b>Team</b>: a PWP may move a referral only into one of their own teams" in str(seen["refused"])
    assert seen["focus"] is True and seen["stored"] is None  # refused: nothing written
    with store.read() as session:
        row = session.get(Referral, referral_id)
        assert row is not None and (row.team_code, row.assigned_to) == ("NORTH", "pwp.tester")
        summaries = list(session.scalars(select(AuditEvent.summary).where(AuditEvent.entity_id == referral_id)))
    assert "refused: set the team of a referral" in summaries
    assert "team set: none → NORTH" in summaries and "assigned clinician: none → pwp.tester" in summaries
    assert not any("Teamless" in summary for summary in summaries)
    assert window.record_page is not None
    shown = window.record_page.sections["Referral"].toPlainText()
    assert "Team: NORTH" in shown and "Assigned clinician: pwp.tester" in shown
