"""Every look at a record is attributable (issue 6): opening a referral is a view, a search records
its count (never its text), and a list whose search cannot be recorded is not shown."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from triage.services import create_referral, parse
from triage.services.inputs import ReferralInput
from triage.services.login import open_authenticated
from triage.services.permissions import User
from triage.services.referral_record import VIEW_SUMMARY
from triage.services.store_setup import initialise_store
from triage.services.users import add_user
from triage.store import Store, StoreError
from triage.store.models import AuditEvent
from triage.ui.main_window import MainWindow

from .conftest import RULESET, SETTINGS, listed

PASSWORD = "a long enough password"
SEEDED = {
    "nhs_number": "9990000026",
    "given_name": "Marigold",
    "family_name": "Quennell",
    "date_of_birth": "1977-05-21",
}
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
        referral = create_referral(store, pwp, parse(ReferralInput, {**SEEDED, "received_on": date.today().isoformat(),
                                                                "source": "gp"}))  # fmt: skip
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
    window = MainWindow(team.store, RULESET, SETTINGS, user)
    qtbot.addWidget(window)
    window.show()
    listed(qtbot, window)
    return window


def test_opening_a_referral_as_a_pwp_records_the_views_naming_them_and_no_identifiers(qtbot, team: Team):
    window = window_for(qtbot, team, team.pwp)
    before = len(all_events(team.store))
    window.open_referral(team.referral_id)
    assert window.screening is not None
    views = [(e.actor, e.entity_type, e.entity_id, e.summary) for e in all_events(team.store)[before:]
             if e.action == "view"]  # fmt: skip
    # one view of the referral's record, which holds the person's other referrals shown in the heading
    assert views == [("pwp.one", "referral", team.referral_id, VIEW_SUMMARY)]
    assert [n for n in NEEDLES if n in text_of(all_events(team.store))] == []

    before = len(all_events(team.store))
    window.close_screening()  # the list and the drafts shown again: looks, recorded as searches (counts only)
    listed(qtbot, window)
    looks = [(e.action, e.entity_type) for e in all_events(team.store)[before:] if e.action in ("view", "search")]
    assert sorted(looks) == [("search", "draft"), ("search", "referral")]


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
    first = [e for e in all_events(team.store) if e.action == "search" and e.entity_type == "referral"]
    assert [(e.actor, e.summary) for e in first] == [("pwp.one", "search returned 1 result")]  # the list on opening
    before = len(all_events(team.store))

    qtbot.keyClicks(window.home.search, "Quennell")  # eight keystrokes, one search (the box is debounced)
    qtbot.waitUntil(lambda: any(e.action == "search" for e in all_events(team.store)[before:]), timeout=3000)
    qtbot.wait(400)
    searches = [e for e in all_events(team.store)[before:] if e.action == "search"]
    assert [(e.actor, e.entity_type, e.entity_id, e.summary) for e in searches] == [
        ("pwp.one", "referral", "*", "search returned 1 result")
    ]
    assert window.model.total == 1

    window.home.status.setCurrentIndex(window.home.status.findData("closed"))  # a filter is a search too
    listed(qtbot, window)
    searches = [e for e in all_events(team.store)[before:] if e.action == "search"]
    assert [e.summary for e in searches] == ["search returned 1 result", "search returned 0 results"]
    assert [n for n in NEEDLES if n in text_of(all_events(team.store))] == []


def test_the_list_is_not_shown_when_its_search_cannot_be_recorded(qtbot, team: Team, monkeypatch):
    window = window_for(qtbot, team, team.pwp)
    assert window.model.total == 1

    def broken(*_args, **_kwargs):
        raise StoreError("the audit trail cannot be written")

    monkeypatch.setattr("triage.services.referral_list.record_search", broken)
    window.refresh_home()
    qtbot.waitUntil(lambda: "cannot be shown" in window.home.count.text())
    assert window.model.rowCount() == 0 and not window.model.busy
    assert "the audit trail cannot be written" in window.home.count.text()


def test_the_audit_menu_action_follows_the_role(qtbot, team: Team):
    assert not window_for(qtbot, team, team.pwp).audit_action.isEnabled()
    admin_window = window_for(qtbot, team, team.admin)
    assert admin_window.audit_action.isEnabled()
    assert admin_window.audit_action.shortcut().toString() == "Ctrl+Shift+A"
