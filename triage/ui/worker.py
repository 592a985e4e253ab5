"""The one way the windows call a slow service off the GUI thread (live-call issue 12), so a search,
a page of the list, an export or a login never freezes the window while the person types.

A ``Worker`` runs calls of one kind (its owner's search, say): ``start(call, on_result, on_error)``
runs ``call`` on a thread of the app's pool and hands its answer to ``on_result``, or its error in
words to ``on_error``, on the GUI thread, through a queued signal. Each ``start`` supersedes the call
before it: a late answer of an older search is dropped, never shown over a newer one, and a call
superseded before a thread took it up never runs at all (nothing asked of the store, nothing
audited). ``cancel`` drops whatever is under way (the idle lock clearing the list); a worker whose
owner is deleted delivers nothing. ``busy_changed`` says when a call is under way, so the owner shows
it (status text, ``busy_cursor``) without blocking input. The model is Anki's ``CollectionOp``: the
widget says what to call and what to do with the answer; this module does the threads.

Errors: a ``StoreError`` (refusals, the audit trail that cannot be written, ...) or an ``OSError``
(a file not written) is the message of the error, written to be shown. Anything else is a bug: the
owner is told in words that an unexpected error stopped the call, and the exception goes to
``sys.excepthook`` on the GUI thread, as an exception in a slot would (a test fails on it). Never a
traceback on screen.

Why a call on a pool thread is safe here (``triage/store/database.py``):

- Every service opens its own session per call (``Store.read()`` and ``Store.write()`` make a new
  ``Session`` each time and close it when the block ends): no session, and no connection, is shared
  between threads. The worker threads share only the ``Engine``, which SQLAlchemy makes thread-safe,
  and its pool, which hands each session a connection of its own for the length of its transaction.
- SQLite (plain, and SQLCipher-encrypted): a file store gets SQLAlchemy's ``QueuePool``, and
  ``check_same_thread`` is off (SQLAlchemy turns it off for a file database; the SQLCipher
  ``creator`` passes ``check_same_thread=False``), which is safe because the pool never lends one
  connection to two threads at once. Every connection gets the same pragmas and key on ``connect``.
  Two writers queue on ``BEGIN IMMEDIATE`` and ``busy_timeout`` (30 s) in WAL mode, so a search's
  audit event written on a pool thread and a draft saved on the GUI thread wait for each other
  instead of failing. (An in-memory SQLite database would be one database per thread: the app
  never opens one.)
- PostgreSQL: psycopg connections from the same ``QueuePool``, one per session; writers queue on the
  advisory lock ``Store.write`` takes.
- What a call captures is plain data built on the GUI thread before it starts (a frozen
  ``ReferralFilter``, the frozen ``User``, the store); it must not touch a widget. What it returns is
  plain data too (frozen rows), handed over by the queued signal. Only the GUI thread touches Qt
  widgets and models, and only in ``on_result`` and ``on_error``.
- Closing the store (logging out) while a call runs: the window cancels its workers first, so the
  answer is dropped; a call already running finishes on its own connection.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import shiboken6
from PySide6.QtCore import QObject, Signal

from triage.events import Event
from triage.store.errors import StoreError

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

    from PySide6.QtWidgets import QWidget

T = TypeVar("T")
POOL_THREADS = 4  # a search and a page of the list, or an export, at once; the database does the work
EXPECTED = (StoreError, OSError)  # errors whose message is written to be shown
UNEXPECTED = "An unexpected error stopped this ({name}). Try again; if it happens again, tell your admin."


def in_words(error: BaseException) -> str:
    """What to show for ``error``: a store's or a file's message as it is; a bug only by its kind."""
    if isinstance(error, EXPECTED):
        return str(error) or type(error).__name__
    return UNEXPECTED.format(name=type(error).__name__)


def busy_cursor(widget: QWidget, busy: bool) -> None:
    """The busy pointer (an arrow with an hourglass: input still welcome) over ``widget`` only."""
    from PySide6.QtCore import Qt  # the Qt namespace costs time: not while the login window loads

    if busy:
        widget.setCursor(Qt.CursorShape.BusyCursor)
    else:
        widget.unsetCursor()


class _Tickets:
    """Which call of a worker is the current one: plain Python, read by the pool's threads too."""

    __slots__ = ("current",)

    def __init__(self) -> None:
        self.current = 0


class _Call:
    """One call: run on a pool thread, answered on the GUI thread if it is still the current one."""

    def __init__(self, worker: Worker, tickets: _Tickets, call: Callable[[], Any],
                 on_result: Callable[[Any], None], on_error: Callable[[str], None]) -> None:  # fmt: skip
        self.worker, self.tickets, self.ticket = worker, tickets, tickets.current
        self.call, self.on_result, self.on_error = call, on_result, on_error
        # Set on the pool thread, read on the GUI thread once the signal has carried the call over.
        self.ok = False
        self.value: Any = None

    @property
    def current(self) -> bool:
        return self.tickets.current == self.ticket

    def run(self) -> None:
        """On a pool thread: nothing Qt, only the call."""
        if not self.current:
            return  # superseded before a thread took it up: never asked
        try:
            self.ok, self.value = True, self.call()
        except Exception as error:  # handed to the GUI thread, which says it in words
            self.ok, self.value = False, error
        _relay().answered.emit(self)

    def deliver(self) -> None:
        """On the GUI thread, by the queued signal."""
        if not shiboken6.isValid(self.worker) or not self.current:
            return  # its owner is gone, or a newer call (or a cancel) came since
        self.worker.answered()
        if self.ok:
            self.on_result(self.value)
            return
        error: Exception = self.value
        self.on_error(in_words(error))
        if not isinstance(error, EXPECTED):
            sys.excepthook(type(error), error, error.__traceback__)


class _Relay(QObject):
    """Carries answers from the pool's threads to the GUI thread. One for the app, made on the GUI
    thread and never deleted, so a pool thread never emits on an object being destroyed."""

    answered = Signal(object)

    def __init__(self) -> None:
        from PySide6.QtCore import Qt

        super().__init__()
        # Queued: the slot runs in the thread this object lives in, the GUI thread, whoever emits.
        self.answered.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    def _deliver(self, call: _Call) -> None:
        call.deliver()


_RELAY: _Relay | None = None
_POOL: ThreadPoolExecutor | None = None


def _relay() -> _Relay:
    global _RELAY
    if _RELAY is None:
        _RELAY = _Relay()
    return _RELAY


def pool() -> ThreadPoolExecutor:
    """The app's worker threads: made on the first call, not while the login window loads. (Python's
    pool, not QThreadPool: PySide6 6.12.0 on CPython 3.11 drops a reference to a Python callable's
    return value each time QThreadPool runs one.) At exit Python lets a running call finish."""
    global _POOL
    if _POOL is None:
        from concurrent.futures import ThreadPoolExecutor

        _POOL = ThreadPoolExecutor(max_workers=POOL_THREADS, thread_name_prefix="triage-worker")
    return _POOL


class Worker(QObject):
    """Calls of one kind, off the GUI thread; the newest one is the only one answered."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tickets = _Tickets()
        self._busy = False
        # A call is under way (True), or answered or cancelled (False). A plain observer, on the GUI
        # thread: no Qt signal needed for a bool that never crosses threads.
        self.busy_changed: Event[bool] = Event()
        tickets = self._tickets  # not self: the C++ object is gone by the time this runs
        self.destroyed.connect(lambda *_: _bump(tickets))  # an owner deleted: calls waiting never run

    @property
    def busy(self) -> bool:
        return self._busy

    def start(self, call: Callable[[], T], on_result: Callable[[T], None], on_error: Callable[[str], None]) -> None:
        """Run ``call`` on a pool thread; on the GUI thread, ``on_result(answer)`` or ``on_error(words)``,
        unless another ``start`` or a ``cancel`` comes first."""
        _relay()  # made here, on the GUI thread, before any pool thread needs it
        _bump(self._tickets)
        job = _Call(self, self._tickets, call, on_result, on_error)
        self._set_busy(True)
        pool().submit(job.run)

    def cancel(self) -> None:
        """Whatever is under way is never answered (a running call finishes, unseen)."""
        _bump(self._tickets)
        self._set_busy(False)

    def answered(self) -> None:
        """The current call's answer is being handed over (``_Call.deliver``)."""
        self._set_busy(False)

    def _set_busy(self, busy: bool) -> None:
        if busy != self._busy:
            self._busy = busy
            self.busy_changed.emit(busy)


def _bump(tickets: _Tickets) -> None:
    tickets.current += 1


def wait_until_answered(worker: Worker) -> None:
    """Process events until ``worker``'s call has answered: for the tools that drive windows without
    running an event loop of their own (the screenshots, the benchmarks). Tests use qtbot.waitUntil."""
    from PySide6.QtCore import QCoreApplication, QEventLoop

    while worker.busy:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
