"""A search that takes its time never freezes the window (live-call issue 12).

The store is slowed on purpose (each page of the list takes most of a second). A PWP presses Ctrl+F and
types "Quen"; the search starts, the count says "Searching…" and the pointer over the list shows busy,
and the window goes on taking keys: she types "nell" into the box while that search is still running,
and presses Down at once. The list takes the focus when the newer search answers; the older search's
late answer (two people) is dropped, never shown over it; Return opens Quennell's referral. Both
searches ran, so both are in the audit trail, as counts, never as the text typed. A search still
running when the window locks is never shown behind the lock."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from sqlalchemy import select

from tests.keys import focused, press
from tests.store.conftest import referral_input
from tests.ui.conftest import RULESET, SETTINGS
from tests.users import as_pwp
from triage.services import create_referral
from triage.services import referral_list as referral_list_service
from triage.store import Store, open_store
from triage.store.models import AuditEvent
from triage.ui.main_window import MainWindow

SLOW_S = 0.8  # one page of the list, on a store slowed on purpose
PWP = as_pwp("pwp.one")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(tmp_path / "triage.db") as opened:
        yield opened


def searches(store: Store) -> list[str]:
    with store.read() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "search",
                                                          AuditEvent.entity_type == "referral"))  # fmt: skip
        return [e.summary for e in events]


def test_typing_goes_on_while_a_slow_search_runs_and_only_the_newest_results_are_shown(qtbot, store, monkeypatch):
    quennell = create_referral(store, PWP, referral_input(1, family_name="Quennell", given_name="Marigold"))
    create_referral(store, PWP, referral_input(2, family_name="Quentin", given_name="Sam"))
    create_referral(store, PWP, referral_input(3))
    window = MainWindow(store, RULESET, SETTINGS, PWP)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.waitUntil(lambda: not window.model.busy)
    assert window.model.total == 3 and searches(store) == ["search returned 3 results"]

    real_page_query = referral_list_service.page_query

    def slow_page_query(*args, **kwargs):  # type: ignore[no-untyped-def]
        time.sleep(SLOW_S)  # a busy database: the page takes its time
        return real_page_query(*args, **kwargs)

    monkeypatch.setattr(referral_list_service, "page_query", slow_page_query)
    shown: list[list[str]] = []  # every result the list showed, as it showed it
    window.model.loaded.connect(lambda: shown.append([window.model.index(r, 1).data()
                                                      for r in range(window.model.rowCount())]))  # fmt: skip
    ticks: list[float] = []  # the event loop turning: a timer that fires only while the GUI thread is free
    ticker = QTimer(window, interval=10)
    ticker.timeout.connect(lambda: ticks.append(time.monotonic()))
    ticker.start()

    press(qtbot, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert focused() is window.home.search
    qtbot.keyClicks(focused(), "Quen")
    qtbot.waitUntil(lambda: window.model.loading)  # the debounce let the search go: it runs on a worker thread
    started = time.monotonic()
    assert window.home.count.text() == "Searching…"
    assert window.home.table.cursor().shape() == Qt.CursorShape.BusyCursor
    qtbot.wait(200)
    assert window.model.loading, "the slow search is still running"
    assert len([t for t in ticks if t > started]) >= 5  # and the window went on answering meanwhile

    qtbot.keyClicks(focused(), "nell")  # typing goes on, into the box, while the search runs
    press(qtbot, Qt.Key.Key_Down)  # the newer search at once; the list when it answers
    assert window.home.search.text() == "Quennell" and focused() is window.home.search
    assert window.model.loading and shown == []
    assert time.monotonic() - started < SLOW_S, "the keys were taken while the first search still ran"

    qtbot.waitUntil(lambda: focused() is window.home.table, timeout=10_000)
    assert shown == [["QUENNELL, Marigold"]]  # the older search's late answer (two people) was never shown
    assert window.home.count.text() == "1 referral" and window.home.selected_referral() == quennell.id
    assert window.home.table.cursor().shape() != Qt.CursorShape.BusyCursor
    qtbot.waitUntil(lambda: len(searches(store)) == 3)  # (the older search finished too, unseen)
    assert sorted(searches(store)[1:]) == ["search returned 1 result", "search returned 2 results"]
    assert not any("Quen" in summary for summary in searches(store))

    press(qtbot, Qt.Key.Key_Return)
    assert window.referral_id == quennell.id  # not yet screened: it opens at its screening
    ticker.stop()


def test_a_search_still_running_when_the_window_locks_is_never_shown_behind_the_lock(qtbot, store, monkeypatch):
    create_referral(store, PWP, referral_input(1, family_name="Quennell", given_name="Marigold"))
    window = MainWindow(store, RULESET, SETTINGS, PWP, unlock_check=lambda typed: typed == "secret")
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.waitUntil(lambda: not window.model.busy)
    finished: list[str] = []
    real_page_query = referral_list_service.page_query

    def slow_page_query(*args, **kwargs):  # type: ignore[no-untyped-def]
        time.sleep(SLOW_S)
        query = real_page_query(*args, **kwargs)
        finished.append("page")
        return query

    monkeypatch.setattr(referral_list_service, "page_query", slow_page_query)
    press(qtbot, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(focused(), "Quen")
    press(qtbot, Qt.Key.Key_Down)  # the search at once
    assert window.model.loading
    assert window.idle_monitor is not None
    window.idle_monitor.timer.setInterval(100)  # the idle lock, as after minutes away
    window.idle_monitor.timer.start()
    qtbot.waitUntil(lambda: window.locked)
    qtbot.waitUntil(lambda: finished == ["page"], timeout=10_000)  # the search ends, behind the lock
    qtbot.wait(200)  # its answer, posted right after, would have been delivered by now
    assert window.model.rowCount() == 0 and not window.model.busy
    assert focused() is window.lock_page.password
