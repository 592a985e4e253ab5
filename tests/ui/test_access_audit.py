"""Every look at a record is attributable (issue 6): opening a referral is a view, a search records
its count (never its text), and nothing extra is audited without accounts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from triage.services import create_referral, parse
from triage.services.accounts import User, add_user, initialise_store, open_authenticated
from triage.services.inputs import ReferralInput
from triage.store import Store
from triage.store.models import AuditEvent
from triage.ui.main_window import MainWindow

from .conftest import RULESET, SETTINGS

PASSWORD = "a long enough password"
SEEDED = {"nhs_number": "9990000026", "given_name": "Marigold", "family_name": "Quennell", "date_of_birth": "1977-05-21"}
NEEDLES = ("9990000026", "999 000 0026", "Marigold", "Quennell", "QUENNELL", "21/05/1977", "1977-05-21")


class Team:
    def __init__(self, store: Store, admin: User, pwp: User, referral_id: str) -> None:
        self.store, self.admin, self.pwp, self.referral_id = store, admin, pwp, referral_id


@pytest.fixture
def team(tmp_path: Path) -> Iterator[Team]:
    database = tmp_path / "team.db"
    initialise_store(database, "admin", "Admin", PASSWORD)
    store, admin = open_authenticated(database, "admin", PASSWORD, sleep=lambda _s: None)
    try:
        pwp = add_user(store, admin, "pwp.one", "Pat One", "pwp", PASSWORD)
        referral = create_referral(store, parse(ReferralInput, {**SEEDED, "received_on": date.today().isoformat(),
                                                                "source": "gp"}), pwp.username)  # fmt: skip
        yield Team(store, admin, pwp, referral.id)
    finally:
        store.close()


def all_events(store: Store) -> list[AuditEvent]:
    with store.read() as session:
        events = session.query(AuditEvent).order_by(AuditEvent.id).all()
        session.expunge_all()
        return events


def text_of(events: list[AuditEvent]) -> str:
    return "\n".join(f"{e.actor} {e.action} {e.entity_type} {e.entity_id} {e.summary}" for e in events)


def window_for(qtbot, team: Team, user: User) -> MainWindow:
    window = MainWindow(team.store, RULESET, SETTINGS, user.username, user=user)
    qtbot.addWidget(window)
    window.show()
    return window


def test_opening_a_referral_as_a_pwp_records_one_view_naming_them_and_no_identifiers(qtbot, team: Team):
    window = window_for(qtbot, team, team.pwp)
    before = len(all_events(team.store))
    window.open_referral(team.referral_id)
    assert window.screening is not None
    new = all_events(team.store)[before:]
    views = [e for e in new if e.action == "view"]
    assert len(views) == 1
    view = views[0]
    assert (view.actor, view.entity_type, view.entity_id) == ("pwp.one", "referral", team.referral_id)
    assert [n for n in NEEDLES if n in text_of(all_events(team.store))] == []

    window.close_screening()  # back to the same list: not a new look
    assert [e.action for e in all_events(team.store)[before:] if e.action in ("view", "search")] == ["view"]


def test_a_role_without_view_referral_is_refused_with_a_message(qtbot, team: Team, monkeypatch):
    told: list[str] = []
    monkeypatch.setattr("triage.ui.main_window.QMessageBox.information", lambda _p, _t, text: told.append(text))
    window = window_for(qtbot, team, team.admin)
    assert window.model.rowCount() == 0 and "not part of the admin role" in window.home.count.text()
    before = len(all_events(team.store))
    window.open_referral(team.referral_id)
    assert window.screening is None
    assert told and "does not allow" in told[0]
    new = all_events(team.store)[before:]
    assert [(e.actor, e.action, e.summary) for e in new] == [("admin", "permission_denied", "refused: view_referral")]


def test_a_search_records_one_event_with_the_count_and_never_the_text(qtbot, team: Team):
    window = window_for(qtbot, team, team.pwp)
    first = [e for e in all_events(team.store) if e.action == "search"]
    assert [(e.actor, e.summary) for e in first] == [("pwp.one", "search returned 1 results")]  # the list on opening
    before = len(all_events(team.store))

    qtbot.keyClicks(window.home.search, "Quennell")  # eight keystrokes, one search (the box is debounced)
    qtbot.waitUntil(lambda: any(e.action == "search" for e in all_events(team.store)[before:]), timeout=3000)
    qtbot.wait(400)
    searches = [e for e in all_events(team.store)[before:] if e.action == "search"]
    assert [(e.actor, e.entity_type, e.entity_id, e.summary) for e in searches] == [
        ("pwp.one", "referral", "*", "search returned 1 results")]
    assert window.model.total == 1

    window.home.status.setCurrentIndex(window.home.status.findData("closed"))  # a filter is a search too
    searches = [e for e in all_events(team.store)[before:] if e.action == "search"]
    assert [e.summary for e in searches] == ["search returned 1 results", "search returned 0 results"]
    window.refresh_home()  # the same filter again is not a new search
    assert len([e for e in all_events(team.store)[before:] if e.action == "search"]) == 2
    assert [n for n in NEEDLES if n in text_of(all_events(team.store))] == []


def test_without_accounts_nothing_extra_is_audited(qtbot, window, store):
    referral = create_referral(store, parse(ReferralInput, {**SEEDED, "received_on": date.today().isoformat(),
                                                            "source": "gp"}), "pwp.tester")  # fmt: skip
    before = len(all_events(store))
    window.refresh_home()
    qtbot.keyClicks(window.home.search, "Quen")
    qtbot.wait(400)
    window.open_referral(referral.id)
    assert window.screening is not None
    assert [e.action for e in all_events(store)[before:] if e.action in ("view", "search")] == []
    assert not window.audit_action.isEnabled()


def test_the_audit_menu_action_follows_the_role(qtbot, team: Team):
    assert not window_for(qtbot, team, team.pwp).audit_action.isEnabled()
    admin_window = window_for(qtbot, team, team.admin)
    assert admin_window.audit_action.isEnabled()
    assert admin_window.audit_action.shortcut().toString() == "Ctrl+Shift+A"

