"""Opening a referral meeting (issue 16, item 2): the date, the chair, the attendees chosen from the
user accounts, and guests typed one a line.

``MeetingForm`` is what the fields hold, the one source of truth the widgets write to; Open hands it
to the services' ``MeetingInput`` check. A date is typed as dates are typed elsewhere in the app
(dd/mm/yyyy, read by ``triage.fields.parse_uk_date``; today by default). What is refused is
shown under the form, each problem naming its field; nothing is opened until all is well.

Keyboard: Alt+D the date, Alt+H the chair, Alt+A the attendees (Up/Down move, Space ticks or clears
one), Alt+G the guests (Tab leaves the box), Return (or Alt+O) opens the meeting, Escape leaves.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from triage.fields import UK_DATE_HELP, parse_uk_date
from triage.labels import labels
from triage.services.inputs import InvalidInput, parse
from triage.services.meetings import MeetingInput
from triage.store.errors import StoreError
from triage.ui.referral_dialog import problems_html

FIELD_LABELS = {"held_on": "Date", "chair": "Chair", "attendees": "Attendees", "guests": "Guests", "meeting": "Meeting"}


class Account(Protocol):
    """A user account as listed for a meeting: no patient data."""

    @property
    def username(self) -> str: ...
    @property
    def display_name(self) -> str: ...
    @property
    def role(self) -> str: ...


@dataclass
class MeetingForm:
    """What the dialog's fields hold."""

    held_on: str = field(default_factory=lambda: date.today().strftime("%d/%m/%Y"))
    chair: str | None = None  # a team leader's username
    attendees: set[str] = field(default_factory=set)  # usernames ticked
    guests: str = ""  # one a line

    def problems(self) -> list[str]:
        """What the form itself can tell before the services check the rest."""
        found = []
        if parse_uk_date(self.held_on) is None:
            found.append(f"held_on: {UK_DATE_HELP}")
        if self.chair is None:
            found.append("chair: choose the team leader chairing the meeting")
        return found

    def to_input(self, order: Sequence[str]) -> MeetingInput:
        """The services' input; the attendees in the accounts' order (``order``), the chair left out
        (the chair is listed first by the meeting itself)."""
        if problems := self.problems():
            raise InvalidInput(problems)
        guests = [line.strip() for line in self.guests.splitlines() if line.strip()]
        attendees = [name for name in order if name in self.attendees and name != self.chair]
        return parse(MeetingInput, {"held_on": parse_uk_date(self.held_on), "chair": self.chair,
                                    "attendees": attendees, "guests": guests})  # fmt: skip


def _label(text: str, buddy: QWidget) -> QLabel:
    label = QLabel(text)
    label.setBuddy(buddy)
    return label


class MeetingOpenDialog(QDialog):
    """The meeting's particulars; ``meeting`` is the checked input once Open was pressed and all is well."""

    def __init__(self, accounts: Sequence[Account], parent: QWidget | None = None, *,
                 opener: Callable[[MeetingInput], None] | None = None, chair: str | None = None) -> None:  # fmt: skip
        """``opener``: what Open does with the checked input (the services open the meeting); its
        refusal is shown here, naming the field, and the dialog stays open. ``chair``: the team leader
        chosen to begin with (the one opening the meeting)."""
        super().__init__(parent)
        self.opener = opener
        self.setWindowTitle("Open a referral meeting")
        self.form = MeetingForm()
        self.accounts = list(accounts)
        self.meeting: MeetingInput | None = None
        column = QVBoxLayout(self)
        rows = QFormLayout()
        self.held_on = QLineEdit(self.form.held_on)
        self.held_on.setPlaceholderText("dd/mm/yyyy")
        self.held_on.setAccessibleName("Date")
        self.held_on.textChanged.connect(lambda text: setattr(self.form, "held_on", text))
        self.chair = QComboBox()
        self.chair.setAccessibleName("Chair")
        self.chair.addItem("— choose the chair —", None)
        for account in self.accounts:
            if account.role == "team_leader":
                self.chair.addItem(account.display_name, account.username)
        self.chair.currentIndexChanged.connect(lambda _i: self._set_chair(self.chair.currentData()))
        self.attendees = QListWidget()
        self.attendees.setAccessibleName("Attendees")
        self.attendees.setAccessibleDescription("Space ticks or clears the person selected")
        for account in self.accounts:
            item = QListWidgetItem(f"{account.display_name} ({labels().roles.get(account.role, account.role)})")
            item.setData(Qt.ItemDataRole.UserRole, account.username)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.attendees.addItem(item)
        self.attendees.itemChanged.connect(self._attendee_ticked)
        if self.attendees.count():
            self.attendees.setCurrentRow(0)
        if chair is not None and self.chair.findData(chair) > 0:
            self.chair.setCurrentIndex(self.chair.findData(chair))
        self.guests = QPlainTextEdit()
        self.guests.setAccessibleName("Guests, one per line")
        self.guests.setTabChangesFocus(True)
        self.guests.setMaximumHeight(80)
        self.guests.textChanged.connect(lambda: setattr(self.form, "guests", self.guests.toPlainText()))
        for text, widget in (("&Date", self.held_on), ("C&hair", self.chair), ("&Attendees", self.attendees),
                             ("&Guests (one per line)", self.guests)):  # fmt: skip
            rows.addRow(_label(text, widget), widget)
        column.addLayout(rows)
        self.problems = QLabel()
        self.problems.setWordWrap(True)
        self.problems.setProperty("role", "warning")
        self.problems.setAccessibleName("Problems with the meeting")
        self.problems.setVisible(False)
        column.addWidget(self.problems)
        buttons = QDialogButtonBox()
        self.open_button = QPushButton("&Open the meeting")
        self.open_button.setAccessibleName("Open the meeting")
        self.open_button.setDefault(True)
        buttons.addButton(self.open_button, QDialogButtonBox.ButtonRole.AcceptRole)
        cancel = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        assert cancel is not None
        cancel.setAccessibleName("Cancel")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        column.addWidget(buttons)

    def _set_chair(self, username: str | None) -> None:
        self.form.chair = username
        if username is not None:  # the chair attends: ticked, so the list says so
            self._tick(username)

    def _tick(self, username: str) -> None:
        for row in range(self.attendees.count()):
            item = self.attendees.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == username:
                item.setCheckState(Qt.CheckState.Checked)

    def _attendee_ticked(self, item: QListWidgetItem) -> None:
        username = str(item.data(Qt.ItemDataRole.UserRole))
        if item.checkState() == Qt.CheckState.Checked:
            self.form.attendees.add(username)
        else:
            self.form.attendees.discard(username)

    def accept(self) -> None:
        try:
            meeting = self.form.to_input([account.username for account in self.accounts])
            if self.opener is not None:
                self.opener(meeting)
        except InvalidInput as exc:
            self.show_problems(exc.problems)
            return
        except StoreError as exc:
            self.show_problems([f"meeting: {exc}"])
            return
        self.meeting = meeting
        super().accept()

    def show_problems(self, problems: Sequence[str]) -> None:
        self.problems.setText(problems_html(problems, FIELD_LABELS))
        self.problems.setVisible(True)
        first = problems[0].partition(":")[0].split(".")[0] if problems else ""
        widget = {"held_on": self.held_on, "chair": self.chair, "attendees": self.attendees,
                  "guests": self.guests}.get(first)  # fmt: skip
        if widget is not None:
            widget.setFocus()
