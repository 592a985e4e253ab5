"""The admin's audit trail viewer: shows and filters the trail, exports it, pages on demand, and is
refused (by the services) for anyone else."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QDate, Qt

from triage.services.audit_trail import AuditRow, audit_events
from triage.services.referral_record import VIEW_SUMMARY
from triage.ui import audit_viewer
from triage.ui.audit_viewer import PAGE_SIZE, AuditTableModel, AuditViewer, open_audit_viewer

from .a11y import unnamed_interactive_widgets
from .conftest import focused
from .test_access_audit import NEEDLES, Team, team, window_for

__all__ = ["team"]


def viewer_for(qtbot, team: Team) -> AuditViewer:
    viewer = AuditViewer(team.store, team.admin)
    qtbot.addWidget(viewer)
    viewer.show()
    read(qtbot, viewer)
    return viewer


def read(qtbot, viewer: AuditViewer) -> None:
    """The query started last has answered (the viewer asks off the GUI thread)."""
    qtbot.waitUntil(lambda: not viewer.model.busy)


def shown(viewer: AuditViewer) -> list[tuple[str, ...]]:
    model = viewer.model
    return [tuple(model.index(r, c).data() for c in range(model.columnCount())) for r in range(model.rowCount())]


def fetch_all(qtbot, model: AuditTableModel) -> None:
    """Every page, each asked for as a view scrolling to the end asks (and answered off the GUI thread)."""
    while model.canFetchMore() or model.busy:
        if model.canFetchMore():
            model.fetchMore()
        qtbot.waitUntil(lambda: not model.busy)


def pwp_looks(qtbot, team: Team) -> None:
    window = window_for(qtbot, team, team.pwp)  # lists (one search)
    window.open_referral(team.referral_id)  # one view of the referral's record
    window.close_screening()
    window.close()


def test_an_admin_sees_the_pwps_view_and_search_and_filters_them(qtbot, team: Team):
    pwp_looks(qtbot, team)
    viewer = viewer_for(qtbot, team)
    rows = shown(viewer)
    assert ("pwp.one", "view", "referral", team.referral_id, VIEW_SUMMARY) in [r[1:] for r in rows]
    assert ("pwp.one", "search", "referral", "*", "search returned 1 result") in [r[1:] for r in rows]
    assert all(len(r[0]) == 19 and r[0][2] == "/" and r[0][5] == "/" for r in rows)  # dd/mm/yyyy hh:mm:ss
    assert [n for n in NEEDLES if any(n in cell for r in rows for cell in r)] == []

    viewer.actor.setEditText("pwp.one")
    viewer.reload()
    read(qtbot, viewer)
    assert {r[1] for r in shown(viewer)} == {"pwp.one"}
    viewer.action.setCurrentIndex(viewer.action.findData("view"))
    viewer.entity_type.setCurrentIndex(viewer.entity_type.findData("referral"))
    read(qtbot, viewer)
    assert [r[1:] for r in shown(viewer)] == [("pwp.one", "view", "referral", team.referral_id, VIEW_SUMMARY)]
    assert "1 event matches" in viewer.count.text()

    viewer.action.setCurrentIndex(viewer.action.findData("search"))
    viewer.entity_type.setCurrentIndex(viewer.entity_type.findData("referral"))
    read(qtbot, viewer)
    assert [r[2] for r in shown(viewer)] == ["search", "search"]  # the list on opening, and after the screening

    viewer.date_from.setDate(QDate.currentDate().addDays(1))  # nothing has happened tomorrow
    read(qtbot, viewer)
    assert shown(viewer) == []
    viewer.date_from.setDate(viewer.date_from.minimumDate())
    viewer.date_to.setDate(QDate.currentDate().addDays(-1))  # nor up to yesterday
    read(qtbot, viewer)
    assert shown(viewer) == []


def test_the_filter_box_is_debounced_and_viewing_is_itself_audited(qtbot, team: Team):
    viewer = viewer_for(qtbot, team)
    qtbot.keyClicks(viewer.actor.lineEdit(), "admin")
    qtbot.waitUntil(lambda: {r[1] for r in shown(viewer)} == {"admin"}, timeout=3000)
    rows, _ = audit_events(team.store, team.admin, actor="admin", entity_type="audit_trail", action="view")
    assert 2 <= len(rows) <= 4  # the first page on opening, one after the typing stopped (and this query)


def test_export_writes_the_same_rows_atomically(qtbot, team: Team, tmp_path, monkeypatch):
    pwp_looks(qtbot, team)
    viewer = viewer_for(qtbot, team)
    viewer.actor.setEditText("pwp.one")
    viewer.reload()
    read(qtbot, viewer)
    target = tmp_path / "trail.csv"
    target.write_text("an older export\n", encoding="utf-8")
    monkeypatch.setattr(viewer, "choose_export_path", lambda: target)
    viewer.activateWindow()
    qtbot.waitUntil(viewer.isActiveWindow)
    qtbot.keyClick(focused(), Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)  # Ctrl+E
    assert not viewer.export_button.isEnabled()  # exporting, off the GUI thread
    qtbot.waitUntil(lambda: "Exported" in viewer.count.text())
    assert viewer.export_button.isEnabled()
    with target.open(encoding="utf-8", newline="") as stream:
        exported = list(csv.DictReader(stream))
    ids = [viewer.model.index(r, 0).data(Qt.ItemDataRole.UserRole) for r in range(viewer.model.rowCount())]
    assert [int(row["id"]) for row in exported] == sorted(ids)  # oldest first in the file
    assert {row["actor"] for row in exported} == {"pwp.one"}
    assert f"Exported {len(ids)} events" in viewer.count.text()
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".part"] == []
    rows, _ = audit_events(team.store, team.admin, action="export", entity_type="audit_trail")
    assert rows and rows[0].actor == "admin"

    def broken(_store, _user, stream, **_filters):
        stream.write("half a file")
        raise OSError("disk full")

    warned: list[str] = []
    monkeypatch.setattr(audit_viewer, "export_audit_csv", broken)
    monkeypatch.setattr(audit_viewer.QMessageBox, "warning", lambda _p, _t, text: warned.append(text))
    viewer.export_csv()
    qtbot.waitUntil(lambda: warned != [])
    assert "disk full" in warned[0] and "not exported" in viewer.count.text()
    assert [int(row["id"]) for row in csv.DictReader(target.open(encoding="utf-8", newline=""))] == sorted(ids)
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".part"] == []


def test_a_pwp_is_refused_by_the_services_with_a_message(qtbot, team: Team, monkeypatch):
    warned: list[str] = []
    monkeypatch.setattr(audit_viewer.QMessageBox, "warning", lambda _p, _t, text: warned.append(text))
    viewer = open_audit_viewer(team.store, team.pwp)
    qtbot.addWidget(viewer)
    qtbot.waitUntil(lambda: warned != [])  # the refusal comes back off the GUI thread
    assert "does not allow" in warned[0] and "audit view" in warned[0]
    assert viewer.refused and shown(viewer) == [] and not viewer.export_button.isEnabled()
    rows, _ = audit_events(team.store, team.admin, actor="pwp.one", action="permission_denied")
    assert [r.summary for r in rows] == ["refused: audit_view"]
    viewer.show()  # shown anyway: it closes again at once
    qtbot.waitUntil(lambda: not viewer.isVisible())

    window = window_for(qtbot, team, team.pwp)  # the window's action is off, and asking anyway is refused too
    assert not window.audit_action.isEnabled()
    window.open_audit_trail()  # the viewer opens, is refused, says so and closes: its exec() returns
    assert len(warned) == 2


def test_the_window_opens_the_viewer_for_an_admin(qtbot, team: Team, monkeypatch):
    opened: list[int] = []

    def exec_(viewer: AuditViewer) -> int:  # open while the trail is read off the GUI thread
        qtbot.waitUntil(lambda: viewer.model.rowCount() > 0)
        opened.append(viewer.model.rowCount())
        return 0

    monkeypatch.setattr(AuditViewer, "exec", exec_)
    window = window_for(qtbot, team, team.admin)
    window.audit_action.trigger()
    assert len(opened) == 1 and opened[0] > 0


def test_the_viewer_is_keyboard_operable_and_named(qtbot, team: Team):
    viewer = viewer_for(qtbot, team)
    viewer.activateWindow()
    qtbot.waitUntil(viewer.isActiveWindow)
    assert unnamed_interactive_widgets(viewer) == []
    assert focused() in (viewer.actor, viewer.actor.lineEdit())
    seen = []
    for _ in range(24):  # (Tab also steps through the day, month and year of a date)
        qtbot.keyClick(focused(), Qt.Key.Key_Tab)
        seen.append(focused())
    for widget in (viewer.action, viewer.entity_type, viewer.date_from, viewer.date_to, viewer.table,
                   viewer.refresh_button, viewer.export_button, viewer.close_button):  # fmt: skip
        assert widget in seen, widget.accessibleName()
    qtbot.keyClick(focused(), Qt.Key.Key_Escape)
    assert not viewer.isVisible()


def fake_trail(n: int):
    start = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [AuditRow(i, start + timedelta(minutes=i), f"user{i % 3}", "view", "referral", f"r{i}", "viewed")
            for i in range(n, 0, -1)]  # newest first  # fmt: skip
    calls: list[int] = []

    def fetch(offset: int, limit: int):
        calls.append(offset)
        return rows[offset : offset + limit], len(rows)

    return fetch, calls


def test_the_model_passes_qts_checks_and_fetches_pages_on_demand(qtbot, qtmodeltester):
    fetch, calls = fake_trail(PAGE_SIZE * 2 + 7)
    model = AuditTableModel(fetch)
    model.reload()
    qtbot.waitUntil(lambda: not model.busy)
    assert model.rowCount() == PAGE_SIZE and model.total == PAGE_SIZE * 2 + 7 and calls == [0]
    qtmodeltester.check(model)  # (the tester asks for more itself; the pages come in as they answer)
    fetch_all(qtbot, model)
    assert model.rowCount() == PAGE_SIZE * 2 + 7 and calls == [0, PAGE_SIZE, PAGE_SIZE * 2]
    newest = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=PAGE_SIZE * 2 + 7)
    assert model.index(0, 0).data() == newest.astimezone().strftime("%d/%m/%Y %H:%M:%S")
    model.set_fetch(None)
    assert model.rowCount() == 0
    qtmodeltester.check(model)


def test_the_model_on_a_real_store_passes_qts_checks(qtbot, qtmodeltester, team: Team):
    viewer = viewer_for(qtbot, team)
    assert viewer.model.rowCount() > 0
    qtmodeltester.check(viewer.model)
    read(qtbot, viewer)


def test_paging_skips_events_added_while_reading(qtbot, qtmodeltester):
    fetch, _ = fake_trail(PAGE_SIZE + 5)
    shifted = {"by": 0}

    def shifting(offset: int, limit: int):
        rows, total = fetch(max(0, offset - shifted["by"]), limit)
        shifted["by"] += 1  # each page asked adds one newer event: the next page starts one row earlier
        return rows, total

    model = AuditTableModel(shifting)
    model.reload()
    qtbot.waitUntil(lambda: not model.busy)
    fetch_all(qtbot, model)
    ids = [model.index(r, 0).data(Qt.ItemDataRole.UserRole) for r in range(model.rowCount())]
    assert ids == sorted(set(ids), reverse=True)  # no event twice, newest first
    assert set(range(1, PAGE_SIZE + 6)) - set(ids) == set()  # and none missed
