"""The one worker pattern (triage/ui/worker.py): a call runs off the GUI thread and its answer comes back
on it; an error comes back in words; a newer call supersedes an older one, whose late answer is dropped;
a cancelled call, or one whose owner is gone, is never answered, and one superseded before a thread took
it up never runs."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QObject

from triage.store.errors import StoreError
from triage.ui import worker as worker_module
from triage.ui.worker import POOL_THREADS, Worker, pool

GUI_THREAD = threading.get_ident()  # pytest-qt's QApplication lives in the thread the tests run in


class Answers:
    """What a worker handed back, and on which thread each answer arrived."""

    def __init__(self) -> None:
        self.results: list[object] = []
        self.errors: list[str] = []
        self.threads: list[int] = []

    def result(self, value: object) -> None:
        self.threads.append(threading.get_ident())
        self.results.append(value)

    def error(self, message: str) -> None:
        self.threads.append(threading.get_ident())
        self.errors.append(message)


@pytest.fixture
def owner(qtbot) -> QObject:  # type: ignore[no-untyped-def]
    return QObject()


def settle(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Every answer posted so far has been delivered: every thread of the pool has come free (so each
    call before has run to its end and posted its answer), then a marker call posted after them has
    come back (the relay delivers in the order answers were posted)."""
    every_thread = threading.Barrier(POOL_THREADS + 1)
    for _ in range(POOL_THREADS):
        pool().submit(every_thread.wait, 5)
    every_thread.wait(5)
    marker = Answers()
    Worker().start(lambda: "marker", marker.result, marker.error)
    qtbot.waitUntil(lambda: marker.results == ["marker"])


def test_a_call_runs_off_the_gui_thread_and_its_answer_comes_back_on_it(qtbot, owner):
    worker, answers = Worker(owner), Answers()
    busy: list[bool] = []
    worker.busy_changed.connect(busy.append)
    worker.start(threading.get_ident, answers.result, answers.error)
    assert worker.busy and busy == [True]  # at once, while the call runs
    qtbot.waitUntil(lambda: answers.results != [])
    (ran_on,) = answers.results
    assert ran_on != GUI_THREAD  # the call ran on a pool thread
    assert answers.threads == [GUI_THREAD]  # its answer came back on the GUI thread
    assert answers.errors == [] and not worker.busy and busy == [True, False]


def test_an_error_comes_back_as_its_message_never_a_traceback(qtbot, owner):
    worker, answers = Worker(owner), Answers()

    def refused() -> None:
        raise StoreError("the audit trail cannot be written")

    worker.start(refused, answers.result, answers.error)
    qtbot.waitUntil(lambda: answers.errors != [])
    assert answers.errors == ["the audit trail cannot be written"] and answers.results == []
    assert answers.threads == [GUI_THREAD] and not worker.busy

    def disk_full() -> None:
        raise OSError("disk full")

    worker.start(disk_full, answers.result, answers.error)
    qtbot.waitUntil(lambda: len(answers.errors) == 2)
    assert answers.errors[1] == "disk full"


def test_a_bug_is_said_in_words_and_still_reported_as_an_exception(qtbot, owner):
    worker, answers = Worker(owner), Answers()

    def bug() -> None:
        raise KeyError("a value that must not reach the screen")

    with qtbot.capture_exceptions() as caught:
        worker.start(bug, answers.result, answers.error)
        qtbot.waitUntil(lambda: answers.errors != [])
    assert answers.errors == [worker_module.UNEXPECTED.format(name="KeyError")]
    assert "must not reach" not in answers.errors[0] and "Traceback" not in answers.errors[0]
    assert [type(error) for _kind, error, _tb in caught] == [KeyError]  # as an exception in a slot would be


def test_a_newer_call_supersedes_an_older_one_whose_late_answer_is_dropped(qtbot, owner):
    worker, answers = Worker(owner), Answers()
    release = threading.Event()

    def slow_old_search() -> str:
        assert release.wait(5)
        return "old results"

    worker.start(slow_old_search, answers.result, answers.error)
    worker.start(lambda: "new results", answers.result, answers.error)
    qtbot.waitUntil(lambda: answers.results != [])
    assert answers.results == ["new results"] and not worker.busy
    release.set()  # the old search answers now, late
    settle(qtbot)
    assert answers.results == ["new results"] and answers.errors == []  # never shown over the newer one


def test_a_cancelled_call_is_never_answered_and_one_not_started_never_runs(qtbot, owner):
    release = threading.Event()
    holders = [Worker(owner) for _ in range(POOL_THREADS)]
    for holder in holders:  # every thread of the pool busy, so the next call waits its turn
        holder.start(lambda: release.wait(5), lambda _r: None, lambda _e: None)
    ran: list[str] = []
    worker, answers = Worker(owner), Answers()
    worker.start(lambda: ran.append("ran") or "answer", answers.result, answers.error)
    assert worker.busy
    worker.cancel()
    assert not worker.busy
    release.set()
    settle(qtbot)
    assert ran == [] and answers.results == [] and answers.errors == []

    running, finish = threading.Event(), threading.Event()

    def under_way() -> str:
        running.set()
        assert finish.wait(5)
        return "answer"

    worker.start(under_way, answers.result, answers.error)
    assert running.wait(5)
    worker.cancel()  # already running: it finishes, unseen
    finish.set()
    settle(qtbot)
    assert answers.results == [] and answers.errors == []


def test_an_owner_deleted_before_the_answer_gets_nothing(qtbot):
    owner = QObject()
    worker, answers = Worker(owner), Answers()
    finish = threading.Event()
    worker.start(lambda: finish.wait(5) and "answer", answers.result, answers.error)
    owner.deleteLater()
    qtbot.waitUntil(lambda: not _alive(worker))
    finish.set()
    settle(qtbot)  # no crash, nothing delivered
    assert answers.results == [] and answers.errors == []


def _alive(obj: QObject) -> bool:
    import shiboken6

    return shiboken6.isValid(obj)
