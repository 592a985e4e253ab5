"""The referral meeting's control window, on the chair's laptop (issue 16, items 2 and 3).

``start_meeting`` opens the meeting (its dialog: date, chair, attendees, guests; the services open it)
and then this window: the cases, the queue as it stood at opening in its order; the current case's
summary; and the outcome controls. Every outcome goes through ``MeetingSession`` (meeting_model.py),
the one source of truth this window and the projector's ``PresenterView`` observe; after each one the
presenter moves on to the next case not yet taken.

What the laptop shows and the projector does not: the queue with each case's state, who screened it
and how long it waited, the outcome controls and what the services said. The full name is on neither
until the chair presses Ctrl+Shift+N (Reveal name); it is then revealed for the room, on both, for
that case only, and the reveal is in the audit trail (services.meetings.reveal_name).

Keyboard (docs/keyboard.md, "referral meeting"): Alt+C confirm the recommendation; Alt+R the other
route or step, Alt+E why, Alt+A record it; Alt+F why deferred, Alt+D defer; Alt+W what is needed,
Alt+H who, Alt+U due by, Alt+I ask for information; Ctrl+Shift+N (or Alt+N) reveal the name;
Alt+Right / Page Down the next case, Alt+Left / Page Up the previous one; Alt+S the cases; Alt+P show
on the projector; Alt+L close the meeting.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QKeySequence, QPageSize, QShortcut
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from triage.files import atomic_write
from triage.rules.ruleset import Ruleset, default_ruleset
from triage.services.meeting_people import meeting_accounts
from triage.services.meeting_queue import meeting_queue
from triage.services.meeting_types import QUEUE_REASON_TEXT, MeetingInfo, PresenterCase
from triage.services.meetings import MeetingInput, meeting_info, minutes_pdf, open_meeting, open_meetings
from triage.services.permissions import User
from triage.services.route_choice import IAPT_ROUTES
from triage.store.database import Store
from triage.store.errors import StoreError
from triage.ui.letter_dialog import choose_pdf_file, print_pdf
from triage.ui.meeting_model import MeetingSession
from triage.ui.meeting_open_dialog import MeetingOpenDialog
from triage.ui.presenter_view import PresenterView
from triage.ui.read_only_text import ReadOnlyText
from triage.ui.value_combo import select_value, value_combo

NEXT_KEYS, PREVIOUS_KEYS = ("Alt+Right", "PgDown"), ("Alt+Left", "PgUp")
REVEAL_KEY = "Ctrl+Shift+N"


def route_items(ruleset: Ruleset) -> list[tuple[object, str]]:
    """Every outcome the team may choose, an IAPT route once per step: (route, step) with its label."""
    steps = ruleset.document.steps.labels
    items: list[tuple[object, str]] = [(None, "— choose the route or step —")]
    for entry in ruleset.decision_outcomes:
        label = ruleset.outcome_labels[entry.code]
        if entry.code in IAPT_ROUTES:
            items += [((entry.code, step), f"{label}, {steps[step]}") for step in (2, 3)]
        else:
            items.append(((entry.code, None), label))
    return items


def _label(text: str, buddy: QWidget) -> QLabel:
    label = QLabel(text)
    label.setBuddy(buddy)
    return label


def _button(text: str) -> QPushButton:
    button = QPushButton(text)
    button.setAccessibleName(text.replace("&", "").split(" (")[0])
    button.setAutoDefault(False)  # Return in a field never records an outcome by surprise
    return button


def _beside(field: QWidget, button: QPushButton) -> QHBoxLayout:
    """A field and the button that records what it holds, on one line."""
    row = QHBoxLayout()
    row.addWidget(field, 1)
    row.addWidget(button)
    return row


def _line(name: str, write: object, placeholder: str = "") -> QLineEdit:
    line = QLineEdit()
    line.setAccessibleName(name)
    line.setPlaceholderText(placeholder)
    line.textEdited.connect(write)
    return line


class MeetingWindow(QWidget):
    """The chair's window: the cases, the one being presented, the outcomes."""

    def __init__(self, session: MeetingSession, info: MeetingInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.session, self.info = session, info
        self.presenter: PresenterView | None = None
        self.setWindowTitle(f"Referral meeting, {info.held_on:%d/%m/%Y}")
        column = QVBoxLayout(self)
        names = ", ".join(a.name + ("" if a.username else " (guest)") for a in info.attendees)
        heading = QLabel(f"<b>Referral meeting, {info.held_on:%d/%m/%Y}</b> · chair {escape(info.chair.name)}"
                         f" · attending: {escape(names)}")  # fmt: skip
        heading.setWordWrap(True)
        column.addWidget(heading)
        body = QHBoxLayout()
        column.addLayout(body, 1)
        left = QVBoxLayout()
        self.cases = QListWidget()
        self.cases.setAccessibleName("Cases")
        self.cases.setMinimumWidth(300)
        self.cases.setWordWrap(True)
        self.cases.currentRowChanged.connect(self._case_chosen)
        left.addWidget(_label("Ca&ses (the queue at opening)", self.cases))
        left.addWidget(self.cases, 1)
        moving = QHBoxLayout()
        self.previous_button, self.next_button = _button("◀ Previous (Alt+Left)"), _button("Next (Alt+Right) ▶")
        self.previous_button.clicked.connect(session.previous_case)
        self.next_button.clicked.connect(session.next_case)
        moving.addWidget(self.previous_button)
        moving.addWidget(self.next_button)
        left.addLayout(moving)
        body.addLayout(left, 2)
        right = QVBoxLayout()
        body.addLayout(right, 5)
        self.summary = ReadOnlyText("The case", max_lines=14)
        right.addWidget(self.summary)
        right.addWidget(self._outcomes())
        right.addStretch(1)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("What happened")
        column.addWidget(self.message)
        column.addLayout(self._meeting_buttons())
        self._keys()
        session.observe(self._show)
        self._show()

    @classmethod
    def for_meeting(
        cls, store: Store, user: User, meeting_id: str, ruleset: Ruleset, parent: QWidget | None = None
    ) -> MeetingWindow:
        """The window of an open meeting, its cases the queue as it stands now."""
        session = MeetingSession(store, user, meeting_id, meeting_queue(store, user), ruleset)
        info = meeting_info(store, user, meeting_id)
        session.taken(info.items)  # a meeting continued: what it already did with a case still queued
        return cls(session, info, parent)

    # --- building ------------------------------------------------------------------------------

    def _outcomes(self) -> QGroupBox:
        box = QGroupBox("The team's outcome for this case")
        rows = QFormLayout(box)
        self.warnings_read = QCheckBox("Warnings read to the team and ac&knowledged")
        self.warnings_read.setAccessibleName("Warnings read to the team")
        self.warnings_read.toggled.connect(lambda ticked: setattr(self.session.form, "warnings_read", ticked))
        rows.addRow(self.warnings_read)
        self.confirm_button = _button("&Confirm the recommendation")
        self.confirm_button.clicked.connect(self.session.confirm)
        rows.addRow(self.confirm_button)
        self.route = value_combo("Another route or step", route_items(self.session.ruleset))
        self.route.currentIndexChanged.connect(self._route_chosen)
        self.reason = _line(
            "Why this route",
            lambda text: setattr(self.session.form, "reason", text),
            "why the team chose other than the recommendation (or, when risk is high, why this route)",
        )
        self.change_button = _button("Choose &another route")
        self.change_button.clicked.connect(self.session.change)
        rows.addRow(_label("&Route or step", self.route), self.route)
        rows.addRow(_label("Why this rout&e", self.reason), _beside(self.reason, self.change_button))
        self.defer_reason = _line(
            "Why deferred",
            lambda text: setattr(self.session.form, "defer_reason", text),
            "what the team waits for; the case stays in the queue",
        )
        self.defer_button = _button("&Defer")
        self.defer_button.clicked.connect(self.session.defer)
        rows.addRow(_label("Why de&ferred", self.defer_reason), _beside(self.defer_reason, self.defer_button))
        self.what = _line("What is needed", lambda text: setattr(self.session.form, "what", text))
        self.owner = QComboBox()
        self.owner.setEditable(True)
        self.owner.setAccessibleName("Who")
        self.owner.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        line = self.owner.lineEdit()
        assert line is not None  # an editable combo box has one
        line.setAccessibleName("Who")
        self.owner.addItems([attendee.name for attendee in self.info.attendees])
        self.owner.setCurrentIndex(-1)
        self.owner.currentTextChanged.connect(lambda text: setattr(self.session.form, "owner", text))
        self.due = _line("Due by", lambda text: setattr(self.session.form, "due_on", text), "dd/mm/yyyy")
        self.ask_button = _button("Ask for &information")
        self.ask_button.clicked.connect(self.session.ask)
        rows.addRow(_label("&What is needed", self.what), self.what)
        rows.addRow(_label("W&ho (an attendee, or type a name)", self.owner), self.owner)
        rows.addRow(_label("D&ue by", self.due), _beside(self.due, self.ask_button))
        return box

    def _meeting_buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.reveal_button = _button(f"Reveal the &name ({REVEAL_KEY})")
        self.reveal_button.clicked.connect(self.session.reveal)
        self.projector_button = _button("Show on the &projector")
        self.projector_button.clicked.connect(self.show_presenter)
        self.close_button = _button("C&lose the meeting")
        self.close_button.clicked.connect(self.close_meeting)
        self.print_button = _button("Print the &minutes")
        self.print_button.clicked.connect(self.print_minutes)
        for button in (self.reveal_button, self.projector_button):
            row.addWidget(button)
        row.addStretch(1)
        row.addWidget(self.print_button)
        row.addWidget(self.close_button)
        return row

    def _keys(self) -> None:
        for keys, slot in ((NEXT_KEYS, self.session.next_case), (PREVIOUS_KEYS, self.session.previous_case),
                           ((REVEAL_KEY,), self.session.reveal)):  # fmt: skip
            for combo in keys:
                QShortcut(QKeySequence(combo), self, slot)

    # --- showing the model -----------------------------------------------------------------------

    def _show(self) -> None:
        session = self.session
        self.cases.blockSignals(True)
        self.cases.clear()
        for number, case in enumerate(session.cases, 1):
            entry = case.entry
            why = "; ".join(QUEUE_REASON_TEXT[reason] for reason in entry.reasons)
            self.cases.addItem(f"{number}. {entry.reference} {entry.initials}: {case.status}\n    {why}")
        self.cases.setCurrentRow(session.index)
        self.cases.blockSignals(False)
        shown = self._presented()
        self.summary.set_html(self._summary_html(shown))
        form = session.form
        select_value(self.route, (form.route, form.step) if form.route else None)
        for line, text in ((self.reason, form.reason), (self.defer_reason, form.defer_reason),
                           (self.what, form.what), (self.due, form.due_on)):  # fmt: skip
            if line.text() != text:
                line.setText(text)
        if self.warnings_read.isChecked() != form.warnings_read:
            self.warnings_read.setChecked(form.warnings_read)
        if self.owner.currentText() != form.owner:
            self.owner.setCurrentIndex(-1)
            self.owner.setEditText(form.owner)
        self.message.setProperty("role", "warning" if session.warning else "")
        self.message.setText(session.said)
        self.message.style().polish(self.message)
        for widget in (self.warnings_read, self.confirm_button, self.change_button, self.defer_button, self.ask_button,
                       self.reveal_button, self.route, self.reason, self.defer_reason, self.what, self.owner,
                       self.due):  # fmt: skip
            widget.setEnabled(not session.closed and session.current is not None)
        self.close_button.setEnabled(not session.closed)
        self.print_button.setEnabled(session.closed)
        if self.presenter is not None and shown is not None:
            self.presenter.show_case(shown, session.index + 1, len(session.cases))

    def _presented(self) -> PresenterCase | None:
        try:
            return self.session.presented()
        except StoreError as exc:
            self.session.said, self.session.warning = f"The case could not be read: {exc}.", True
            return None

    def _summary_html(self, shown: PresenterCase | None) -> str:
        case = self.session.current
        if case is None:
            return "<p>No case is waiting for the team.</p>"
        entry = case.entry
        name = (f"<b>{escape(case.name)}</b> (revealed for the room; recorded)" if case.name
                else f"not shown ({REVEAL_KEY} reveals it, on both screens; recorded)")  # fmt: skip
        parts = [f"<h3>Case {self.session.index + 1} of {len(self.session.cases)}: {escape(entry.reference)}, "
                 f"{escape(entry.initials)}</h3>", f"<p>Name: {name}</p>",
                 "<p><b>Why it is here:</b> " + escape("; ".join(QUEUE_REASON_TEXT[r] for r in entry.reasons)) + "</p>"]  # fmt: skip
        if entry.question:
            parts.append(f"<p><b>The screener's question:</b> {escape(entry.question)}</p>")
        if shown is not None:
            parts.append(f"<p><b>Recommended:</b> {escape(shown.recommendation)}"
                         + (f" · <b>the screener decided:</b> {escape(shown.decided)}" if shown.decided else "")
                         + "</p>")  # fmt: skip
        if shown is not None and shown.warnings:
            parts.append("<p><b>Warnings for the team</b> (tick Warnings read to the team once read):</p><ul>"
                         + "".join(f"<li>{escape(warning)}</li>" for warning in shown.warnings) + "</ul>")  # fmt: skip
        if entry.deferred_reason:
            parts.append(f"<p><b>Deferred before:</b> {escape(entry.deferred_reason)}</p>")
        waited = f"waited {entry.waited_days} day{'' if entry.waited_days == 1 else 's'}"
        parts.append(f"<p>{waited} · screened by {escape(entry.screened_by or 'nobody yet')} · "
                     f"this meeting: <b>{escape(case.status)}</b></p>")  # fmt: skip
        return "".join(parts)

    def _case_chosen(self, row: int) -> None:
        self.session.go_to(row)

    def _route_chosen(self, _index: int) -> None:
        value = self.route.currentData()
        route, step = value if isinstance(value, tuple) else (None, None)
        self.session.form.route, self.session.form.step = route, step

    # --- the projector and closing ---------------------------------------------------------------

    def show_presenter(self) -> None:
        """The presenter view: full screen on the second screen when there is one, else a window of its own."""
        if self.presenter is None:
            self.presenter = PresenterView(self.session.ruleset)
            self.presenter.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
            self.presenter.next_requested.connect(self.session.next_case)
            self.presenter.previous_requested.connect(self.session.previous_case)
            self.presenter.reveal_requested.connect(self.session.reveal)
        screens = QGuiApplication.screens()
        if len(screens) > 1:
            self.presenter.setGeometry(screens[1].geometry())
            self.presenter.showFullScreen()
        else:  # one screen: a window of its own, as big as the screen allows (the view fits itself)
            self.presenter.show()
        self._show()
        self.activateWindow()  # the laptop keeps the keyboard: the chair drives from here

    def close_meeting(self) -> None:
        if not self.ask("Close the meeting", "Close the meeting? Its decisions are then locked: a later change is a "
                        "new decision that refers back to the meeting's."):  # fmt: skip
            return
        if not self.session.close():
            return
        if self.presenter is not None:
            self.presenter.close()
        if self.session.minutes and self.ask("The minutes", "The meeting is closed. Save its minutes as a PDF?"):
            self.save_minutes()

    def save_minutes(self) -> None:
        assert self.session.minutes is not None
        path = self.choose_file(f"referral-meeting-minutes-{self.info.held_on:%Y-%m-%d}.pdf")  # no patient data
        if path is None:
            return
        try:
            atomic_write(path, self.session.minutes)
        except OSError as exc:
            self.inform("Not saved", f"The minutes could not be written ({type(exc).__name__}).")
            return
        self.session.said, self.session.warning = f"The minutes were saved as {path.name}.", False
        self._show()

    def print_minutes(self) -> None:
        """The closed meeting's minutes as kept in the store (read through the services: audited as a
        print), on the printer chosen, by the letters' own print path."""
        printer = self.choose_printer()
        if printer is None:
            return
        try:
            pdf = minutes_pdf(self.session.store, self.session.user, self.session.meeting_id)
        except StoreError as exc:
            self.inform("Not printed", f"The minutes could not be read: {exc}.")
            return
        buffer = QBuffer(self)
        buffer.setData(QByteArray(pdf))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        document = QPdfDocument(self)
        document.load(buffer)
        printed = print_pdf(document, printer)
        document.close()
        buffer.close()
        if not printed:
            self.inform("Not printed", "The printer could not be started.")
            return
        self.session.said, self.session.warning = "The minutes were sent to the printer.", False
        self._show()

    def closeEvent(self, event: object) -> None:  # Qt's name
        if self.presenter is not None:
            self.presenter.close()
        super().closeEvent(event)  # type: ignore[arg-type]

    # --- the modal parts, replaced in tests ------------------------------------------------------

    def ask(self, title: str, question: str) -> bool:
        answer = QMessageBox.question(self, title, question)
        return answer == QMessageBox.StandardButton.Yes

    def choose_file(self, name: str):  # type: ignore[no-untyped-def]
        return choose_pdf_file(self, "Save the minutes as PDF", name)

    def choose_printer(self) -> QPrinter | None:
        printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
        printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
        printer.setDocName(f"referral-meeting-minutes-{self.info.held_on:%Y-%m-%d}")  # print queues show it
        dialog = QPrintDialog(printer, self)
        return printer if dialog.exec() == QPrintDialog.DialogCode.Accepted else None

    def inform(self, title: str, message: str) -> None:
        QMessageBox.warning(self, title, message)


def start_meeting(parent: QWidget, store: Store, user: User, ruleset: Ruleset | None = None) -> None:
    """The Meeting menu's Open: the dialog, then (the meeting opened by the services) its window.
    ``ruleset``: the one in force (the main window's); the shipped one when not given."""
    ruleset = ruleset or (getattr(parent, "ruleset", None) if isinstance(getattr(parent, "ruleset", None), Ruleset)
                          else None) or default_ruleset()  # fmt: skip
    try:
        still_open = open_meetings(store, user)
        accounts = meeting_accounts(store, user)
    except StoreError as exc:
        QMessageBox.warning(parent, "No meeting opened", f"The meeting could not be opened: {exc}.")
        return
    if still_open and _continue(parent, still_open[0]):  # the laptop died, or its window was closed
        _show(MeetingWindow.for_meeting(store, user, still_open[0].id, ruleset, parent))
        return
    opened: list[str] = []

    def open_it(data: MeetingInput) -> None:
        opened.append(open_meeting(store, user, data))

    dialog = MeetingOpenDialog(accounts, parent, opener=open_it, chair=user.username)
    accepted = dialog.exec() == QDialog.DialogCode.Accepted
    dialog.deleteLater()
    if not accepted or not opened:
        return
    _show(MeetingWindow.for_meeting(store, user, opened[0], ruleset, parent))


def _continue(parent: QWidget, meeting: MeetingInfo) -> bool:
    """Whether to carry on with a meeting left open, rather than open a new one."""
    asked = (f"The referral meeting of {meeting.held_on:%d/%m/%Y}, chaired by {meeting.chair.name}, is still open "
             f"({len(meeting.items)} outcome{'' if len(meeting.items) == 1 else 's'} recorded). Continue it? "
             "(No opens a new meeting.)")  # fmt: skip
    answer = QMessageBox.question(parent, "A meeting is still open", asked)
    return answer == QMessageBox.StandardButton.Yes


def _show(window: MeetingWindow) -> None:
    window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    window.resize(1280, 720)
    window.show()
    window.activateWindow()
