"""The meeting queue's dialog drawn from plain entries (no store): the rows fit their wrapped text at
the dialog's width as it is now, not as it was first laid out; the dialog is still moved as every
window is (fit.py moves a window back onto its screen with QWidget.move); and the supervision queue
offers no reordering and no meeting."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import QPoint

from triage.services.meeting_types import QueueEntry
from triage.ui.meeting_queue_dialog import MeetingQueueDialog
from triage.ui.meeting_queue_model import QueueState

LONG = ("Crisis team or CMHT? The person says the CMHT discharged them last year after two missed appointments, "
        "and they do not want to go back; their GP asks for a psychiatric review first.")  # fmt: skip


def entry(number: int, question: str | None = LONG) -> QueueEntry:
    return QueueEntry(f"r{number}", f"DON-{number:06d}", "P. S.", ("high_risk", "override"), number,
                      datetime(2025, 3, 3, tzinfo=UTC), 4, "pwp.one", "pwp.one", question, None, None)  # fmt: skip


def dialog(qtbot, state: QueueState, **options: object) -> MeetingQueueDialog:  # type: ignore[no-untyped-def]
    shown = MeetingQueueDialog(state, title="Referral meeting queue", heading="The &queue", empty="None.", **options)  # type: ignore[arg-type]
    qtbot.addWidget(shown)
    return shown


def test_a_row_fits_its_text_at_the_width_the_dialog_has_now(qtbot) -> None:  # type: ignore[no-untyped-def]
    shown = dialog(qtbot, QueueState(lambda: [entry(1), entry(2, None)], lambda _r, _p: None), offers_meeting=True)
    shown.resize(700, 600)
    shown.show()
    qtbot.waitUntil(lambda: shown.table.rowHeight(0) > 0)
    qtbot.wait(50)
    narrow = shown.table.rowHeight(0)
    shown.resize(1280, 720)
    qtbot.wait(50)
    wide = shown.table.rowHeight(0)
    shown.table.resizeRowsToContents()  # what the row needs at this width
    assert wide == shown.table.rowHeight(0) < narrow


def test_the_dialog_is_moved_as_any_window_is(qtbot) -> None:  # type: ignore[no-untyped-def]
    shown = dialog(qtbot, QueueState(lambda: [entry(1)]))
    shown.move(QPoint(12, 34))
    assert (shown.x(), shown.y()) == (12, 34)
    shown.move(5, 6)
    assert (shown.x(), shown.y()) == (5, 6)


def test_the_supervision_queue_offers_no_reordering_and_no_meeting(qtbot) -> None:  # type: ignore[no-untyped-def]
    shown = dialog(qtbot, QueueState(lambda: [entry(1), entry(2)]))
    assert (shown.up_button, shown.down_button, shown.meeting_button) == (None, None, None)
    assert not shown.state.may_reorder and shown.state.move(0, 1) is None
