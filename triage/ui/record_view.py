"""The read-only record of one referral (defect 8 of the live-call issue): what opening a referral from
the list shows. Built from the ``ReferralRecord`` the services give (``referral_record``, one audited
view); it reads and writes nothing itself, and never a draft.

At the top, fixed, the patient banner (patient_banner.py): who, how referred, the notes, the risk in
words. Below it, in a scroll area, the sections of record_sections.py, risk and the decision first:
each a heading and one focusable read-only text named by that heading, so Tab and Shift+Tab go from
section to section, the arrow keys read within one, and a screen reader names each. At the bottom,
fixed, the actions: Back to the list (Escape) and, for a role that may screen, Re-screen (Alt+E,
Ctrl+E) or Resume the draft when one is waiting, Correct identifiers (Alt+I) and Edit address and
GP (Alt+A), and for a team leader Merge records (Alt+R) and, where a merge into the person
is in place, Undo merge (Alt+U); the window checks the permission when it is pressed
and says here why not. Page Up and Page Down scroll the record.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractSlider,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from triage.labels import labels
from triage.services.merges import undoable
from triage.services.permissions import PERMISSIONS
from triage.services.referral_record import ReferralRecord
from triage.ui.patient_banner import BannerFacts, PatientBanner
from triage.ui.read_only_text import ReadOnlyText
from triage.ui.record_sections import sections

FINISHED = ("letter_sent", "closed")  # the services refuse to screen these again
SCREEN_KEYS = "Ctrl+E"


def screen_button_text(record: ReferralRecord, has_draft: bool) -> str:
    if has_draft:
        return f"R&esume the screening in progress ({SCREEN_KEYS})"
    return f"Re-scr&een ({SCREEN_KEYS})" if record.screening is not None else f"Scr&een ({SCREEN_KEYS})"


class RecordView(QWidget):
    back_requested = Signal()
    screen_requested = Signal()  # re-screen, screen, or resume the draft: the window checks and starts it
    letters_requested = Signal()
    correct_requested = Signal()  # correct the identifiers (record_edits.py: the dialog and the service)
    edit_requested = Signal()  # edit the postal address and the referring GP
    journey_requested = Signal()  # contact, treatment start, closing (docs/journey.md): the window opens it
    merge_requested = Signal()  # merge another record of the same person into this one (merge_dialog.py)
    unmerge_requested = Signal()  # undo a merge into this person

    def __init__(self, record: ReferralRecord, *, may_screen: bool, role: str, has_draft: bool = False,
                 parent: QWidget | None = None) -> None:  # fmt: skip
        """``may_screen``: the role may screen (the services check again, with who decided it);
        ``has_draft``: a screening in progress is waiting, so the action resumes it. The journey's
        button shows for a role that may record contact (the services check again)."""
        super().__init__(parent)
        self.record = record
        self.has_draft = has_draft
        column = QVBoxLayout(self)
        column.setContentsMargins(8, 8, 8, 8)

        self.banner = PatientBanner()
        self.banner.show_facts(BannerFacts.from_record(record))
        column.addWidget(self.banner)

        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setAccessibleName("Referral record")
        self.scroll_area.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the sections take the focus, not the area
        content = QWidget()
        body = QVBoxLayout(content)
        self.sections: dict[str, ReadOnlyText] = {}
        self.headings: dict[str, QLabel] = {}
        for heading, text in sections(record):
            title = QLabel(f"<h3>{escape(heading)}</h3>")
            title.setAccessibleName(heading)
            view = ReadOnlyText(heading)
            view.set_html(text)
            view.focused.connect(lambda v=view: self.scroll_area.ensureWidgetVisible(v, 0, 24))
            view.cursorPositionChanged.connect(lambda v=view: self._follow_caret(v))
            body.addWidget(title)
            body.addWidget(view)
            self.headings[heading], self.sections[heading] = title, view
        body.addStretch(1)
        self.scroll_area.setWidget(content)
        column.addWidget(self.scroll_area, 1)

        self.note = QLabel()
        self.note.setProperty("role", "warning")
        self.note.setWordWrap(True)
        self.note.setAccessibleName("Why the referral cannot be screened")
        column.addWidget(self.note)
        bar = QHBoxLayout()
        self.back_button = QPushButton("&Back to the list (Escape)")
        self.back_button.clicked.connect(self.back_requested)
        bar.addWidget(self.back_button)
        self.screen_button: QPushButton | None = None
        if may_screen:
            self.screen_button = QPushButton(screen_button_text(record, has_draft))
            self.screen_button.clicked.connect(self.screen_requested)
            bar.addWidget(self.screen_button)
            self._shortcut(QKeySequence(SCREEN_KEYS), self.screen_requested.emit)
        # The roles that screen are those that add and edit referrals; the services check again.
        self.correct_button = self.edit_button = None
        if may_screen:
            self.correct_button = QPushButton("Correct &identifiers…")
            self.correct_button.clicked.connect(self.correct_requested)
            self.edit_button = QPushButton("Edit &address and GP…")
            self.edit_button.clicked.connect(self.edit_requested)
            bar.addWidget(self.correct_button)
            bar.addWidget(self.edit_button)
        self.letters_button: QPushButton | None = None
        if record.decision is not None:
            self.letters_button = QPushButton("Letters… (Ctrl+L)")  # Ctrl+L is the window's Letters action
            self.letters_button.clicked.connect(self.letters_requested)
            bar.addWidget(self.letters_button)
        self.journey_button: QPushButton | None = None
        if role in PERMISSIONS["record_contact"] and record.referral.status != "closed":
            self.journey_button = QPushButton("&Journey: contact, treatment, close… (Ctrl+J)")  # Ctrl+J: the window's
            self.journey_button.clicked.connect(self.journey_requested)
            bar.addWidget(self.journey_button)
        # Two records of one person: a team leader's (the services check again). Undo shows only where a
        # merge into this person is in place, but is always made, so its key is always the record's.
        self.merge_button = self.unmerge_button = None
        if role in PERMISSIONS["merge_people"]:
            self.merge_button = QPushButton("Me&rge records…")
            self.merge_button.clicked.connect(self.merge_requested)
            self.unmerge_button = QPushButton("&Undo merge…")
            self.unmerge_button.clicked.connect(self.unmerge_requested)
            bar.addWidget(self.merge_button)
            bar.addWidget(self.unmerge_button)
        bar.addStretch(1)
        column.addLayout(bar)
        for button in (*self.buttons(), self.unmerge_button):
            if button is not None:
                button.setAccessibleName(button.text().replace("&", ""))
        if self.unmerge_button is not None:  # made, named, then hidden where no merge into the person is in place
            self.unmerge_button.setVisible(bool(undoable(record.merges)))
        self._set_note(self._why_not(record, may_screen, role))

        for keys, slot in ((QKeySequence(Qt.Key.Key_Escape), self.back_requested.emit),
                           (QKeySequence(QKeySequence.StandardKey.MoveToNextPage), lambda: self._page(True)),
                           (QKeySequence(QKeySequence.StandardKey.MoveToPreviousPage), lambda: self._page(False))):  # fmt: skip
            self._shortcut(keys, slot)
        self._chain_tab_order()

    # --- what it offers ----------------------------------------------------------------------------

    def buttons(self) -> list[QPushButton]:
        buttons = (self.back_button, self.screen_button, self.correct_button, self.edit_button, self.letters_button,
                   self.journey_button, self.merge_button, self.unmerge_button)  # fmt: skip
        return [b for b in buttons if b is not None and not b.isHidden()]  # Undo merge: hidden where none is in place

    def show_refusal(self, text: str) -> None:
        """Why the screening was not started, kept in view under the record."""
        self._set_note(text)

    def _set_note(self, text: str) -> None:
        self.note.setText(text)
        self.note.setVisible(bool(text))

    @staticmethod
    def _why_not(record: ReferralRecord, may_screen: bool, role: str) -> str:
        if not may_screen:
            return f"Screening is not part of the {labels().roles.get(role, role)} role."
        status = record.referral.status
        if status in FINISHED:
            return f"This referral is {labels().statuses[status].lower()}: it cannot be screened again."
        return ""

    # --- the keyboard ------------------------------------------------------------------------------

    def _shortcut(self, keys: QKeySequence, slot: Callable[[], object]) -> None:
        """A key that works while the record is shown (and only then)."""
        shortcut = QShortcut(keys, self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(slot)

    def focus_first(self) -> None:
        self.banner.text.setFocus(Qt.FocusReason.OtherFocusReason)

    def _chain_tab_order(self) -> None:
        stops: list[QWidget] = [self.banner.text, *self.sections.values(), *self.buttons()]
        for first, second in zip(stops, stops[1:], strict=False):
            QWidget.setTabOrder(first, second)

    def _page(self, down: bool) -> None:
        action = (
            QAbstractSlider.SliderAction.SliderPageStepAdd if down else QAbstractSlider.SliderAction.SliderPageStepSub
        )
        self.scroll_area.verticalScrollBar().triggerAction(action)

    def _follow_caret(self, view: ReadOnlyText) -> None:
        """Keep the caret in sight as the arrow keys move it down a section taller than the screen."""
        caret = view.cursorRect()
        inner = self.scroll_area.widget()
        if inner is not None and view.hasFocus():
            point = view.viewport().mapTo(inner, caret.center())
            self.scroll_area.ensureVisible(point.x(), point.y(), 20, caret.height() + 20)

    # --- the window's page protocol (triage.ui.pages) ---------------------------------------------

    def flush(self) -> None:
        """Nothing is held: a record is read-only."""

    def can_leave(self) -> bool:
        return True

    def clear_patient_details(self) -> None:
        self.banner.clear()
        self.setVisible(False)  # the window drops the page next; nothing of it is shown meanwhile

    def plain_text(self) -> str:
        """Everything the page says, banner first, as a screen reader gets it."""
        parts = [self.banner.plain_text()]
        parts += [f"{heading}\n{view.toPlainText()}" for heading, view in self.sections.items()]
        return "\n\n".join(parts)
