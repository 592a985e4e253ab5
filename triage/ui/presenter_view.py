"""The referral meeting's presenter view (issue 16, item 3): a window of its own for the projector,
showing one case at a time in type a room can read (body 24 px, headings larger, at 1280x720).

At the top, the reference and initials (the full name only when the case shown carries it, after a
recorded reveal), "case 2 of 5" and the whole matrix grid with the case's levels marked; below it, the
destinations fired and why, the recommendation and decision, the risk answers and actions, the
screener's question, why the case waits and the earlier referrals and bounces. The meeting's control
window drives it (``show_case``); with the presenter window itself in focus, Page Down and Page Up ask
for the next and previous case and Ctrl+Shift+N asks for the name to be revealed: signals only, since
what is shown next, and the audit of a reveal, are the meeting's to decide. Ctrl+Down and Ctrl+Up
scroll to the details and back (the grid keeps the whole width, so there is no scroll bar).
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QTextDocumentFragment
from PySide6.QtWidgets import QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from triage.rules.ruleset import Ruleset
from triage.services.meeting_types import PresenterCase
from triage.ui.fit import fit_to_screen
from triage.ui.matrix_grid import BODY_PX, HEADING_PX, MatrixGrid, escape, large_font

TITLE = "Referral meeting: presenter view"
TITLE_PX = 34  # the case's own heading, larger than the sections'
NEXT_KEY, PREVIOUS_KEY, REVEAL_KEY = "PgDown", "PgUp", "Ctrl+Shift+N"
SCROLL_DOWN_KEY, SCROLL_UP_KEY = "Ctrl+Down", "Ctrl+Up"
NOTHING = "none recorded"
SIDE = 8  # px either side of the text below the grid (the grid itself takes the whole width)


class PresenterView(QWidget):
    next_requested = Signal()
    previous_requested = Signal()
    reveal_requested = Signal()

    def __init__(self, ruleset: Ruleset, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle(TITLE)  # never a patient detail: the title reaches the taskbar and screen sharing
        self.setAccessibleName(TITLE)
        self.case: PresenterCase | None = None
        fit_to_screen(self, QSize(1920, 1080))
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.area = QScrollArea(self)
        self.area.setWidgetResizable(True)
        self.area.setFrameShape(QScrollArea.Shape.NoFrame)
        self.area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.area.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # the grid needs every pixel
        self.area.setAccessibleName("The case")
        outer.addWidget(self.area)
        content = QWidget(self.area)
        self.content = QVBoxLayout(content)
        self.content.setContentsMargins(0, 2, 0, 12)
        self.content.setSpacing(6)
        self._heading_row(content)
        self.grid = MatrixGrid(ruleset, content)
        self.content.addWidget(self.grid)
        self.sections: dict[str, QLabel] = {}
        for key, title in (("fired", "Destinations fired, and why"), ("route", "Recommendation and decision"),
                           ("warnings", "Warnings for the team"),
                           ("notes", "The screener's rating notes"), ("risk", "Risk"),
                           ("question", "The screener's question"),
                           ("reasons", "Why it is in the meeting"), ("history", "Earlier referrals and bounces")):  # fmt: skip
            self.sections[key] = self._section(content, title)
        self.content.addStretch(1)
        self.area.setWidget(content)
        self._keys()

    def _heading_row(self, content: QWidget) -> None:
        row = QHBoxLayout()
        row.setContentsMargins(SIDE, 0, SIDE, 0)
        self.who = QLabel(content)
        self.who.setFont(large_font(self.font(), TITLE_PX, bold=True))
        self.who.setAccessibleName("The case")
        self.position = QLabel(content)
        self.position.setFont(large_font(self.font(), HEADING_PX, bold=True))
        self.position.setAccessibleName("Position in the meeting")
        row.addWidget(self.who, 1)
        row.addWidget(self.position, 0, Qt.AlignmentFlag.AlignRight)
        self.content.addLayout(row)

    def _section(self, content: QWidget, title: str) -> QLabel:
        heading = QLabel(title, content)
        heading.setContentsMargins(SIDE, 8, SIDE, 0)
        heading.setFont(large_font(self.font(), HEADING_PX, bold=True))
        heading.setAccessibleName(title)
        body = QLabel(content)
        body.setFont(large_font(self.font(), BODY_PX))
        body.setWordWrap(True)
        body.setTextFormat(Qt.TextFormat.RichText)
        body.setAccessibleName(title)
        body.setContentsMargins(SIDE, 0, SIDE, 0)
        self.content.addWidget(heading)
        self.content.addWidget(body)
        return body

    def _keys(self) -> None:
        for keys, slot in ((NEXT_KEY, self.next_requested.emit), (PREVIOUS_KEY, self.previous_requested.emit),
                           (REVEAL_KEY, self.reveal_requested.emit), (SCROLL_DOWN_KEY, lambda: self.scroll_pages(1)),
                           (SCROLL_UP_KEY, lambda: self.scroll_pages(-1))):  # fmt: skip
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)  # the presenter window itself, not the laptop's
            shortcut.activated.connect(slot)

    def scroll_pages(self, pages: int) -> None:
        bar = self.area.verticalScrollBar()
        bar.setValue(bar.value() + pages * bar.pageStep())

    # --- one case --------------------------------------------------------------------------------

    def show_case(self, case: PresenterCase, position: int, count: int) -> None:
        self.case = case
        who = f"{case.reference} · {case.name}" if case.name else f"{case.reference} · {case.initials}"
        self.who.setText(escape(who))
        self.who.setAccessibleName(who)
        place = f"case {position} of {count}"
        self.position.setText(place)
        self.position.setAccessibleName(place)
        self.grid.hide_definition()
        self.grid.show_levels({row.variable: row.level for row in case.rows})
        self._fill(case)
        self.area.verticalScrollBar().setValue(0)

    def _fill(self, case: PresenterCase) -> None:
        self._set("fired", lines([f"<b>{escape(label)}</b>: {escape(why)}" for label, why in case.fired]) or NOTHING)
        self._set(
            "notes",
            lines([f"<b>{escape(row.label)}:</b> {escape(row.note)}" for row in case.rows if row.note]) or NOTHING,
        )
        decided = escape(case.decided) if case.decided else "not decided yet"
        self._set("route", f"<b>The matrix recommends:</b> {escape(case.recommendation)}<br>"
                           f"<b>The screener chose:</b> {decided}")  # fmt: skip
        self._set("warnings", lines([escape(warning) for warning in case.warnings]) or "none")
        risk = [f"<b>{escape(question)}:</b> {escape(answer)}" for question, answer in case.risk]
        risk += [f"<b>Protective factors:</b> {escape(case.protective_factors)}",
                 f"<b>Actions taken and agreed:</b> {escape(case.actions)}"]  # fmt: skip
        self._set("risk", lines(risk))
        self._set("question", escape(case.question) if case.question else "no question sent")
        waited = (
            []
            if case.waited_days is None
            else [f"waiting {case.waited_days} day{'' if case.waited_days == 1 else 's'}"]
        )
        screened = [f"screened by {escape(case.screened_by)}"] if case.screened_by else []
        self._set("reasons", lines([escape(reason) for reason in case.reasons] + waited + screened) or NOTHING)
        self._set(
            "history", lines([escape(line) for line in case.history]) or "none: this is the person's only referral"
        )

    def _set(self, key: str, html: str) -> None:
        label = self.sections[key]
        label.setText(html)
        label.setAccessibleDescription(plain(html))


def lines(parts: list[str]) -> str:
    return "<br>".join(f"• {part}" for part in parts)


def plain(html: str) -> str:
    """What a screen reader is given besides the label's own text: the text without its tags."""
    return QTextDocumentFragment.fromHtml(html).toPlainText()
