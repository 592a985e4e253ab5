"""The referral's journey, from its record (Ctrl+J; docs/journey.md): record the opt-in offered, an
opt-in, a contact attempt and its outcome; the treatment start; close the referral with a reason;
flag it as inappropriate (why, and who made it) or take the flag off.

The form is ``JourneyForm``, a plain-Python model the widgets write to; each action hands it to the
services (``services.journey``), which check the role, validate, refuse what is not allowed and audit.
What they say (done, refused, or the field and what is allowed) is shown under the form, in words;
nothing is written by a refused action. The record is shown afresh once the dialog closes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QDate, QTime, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from triage.labels import labels
from triage.services.inputs import InvalidInput
from triage.services.journey import (
    CloseInput,
    ContactInput,
    InappropriateInput,
    Step,
    TreatmentInput,
    close_referral,
    flag_inappropriate,
    parse_journey,
    record_contact,
    record_treatment_start,
)
from triage.services.permissions import User
from triage.services.referral_record import ReferralRecord
from triage.store.database import Store
from triage.store.errors import StoreError
from triage.store.vocabulary import (
    CLOSE_REASONS,
    CONTACT_CHANNELS,
    CONTACT_KINDS,
    CONTACT_OUTCOMES,
    INAPPROPRIATE_REASONS,
)

if TYPE_CHECKING:
    from triage.ui.main_window import MainWindow


@dataclass
class JourneyForm:
    """What the dialog's fields hold: the one source of truth the actions read."""

    kind: str = "attempt"
    channel: str = "telephone"
    outcome: str = "reached"
    day: date = field(default_factory=date.today)
    at: time = field(default_factory=lambda: datetime.now().time().replace(second=0, microsecond=0))
    started_on: date = field(default_factory=date.today)
    reason: str = "declined"
    note: str = ""
    flag_reason: str = INAPPROPRIATE_REASONS[0]
    referrer: str = ""
    flag_note: str = ""

    def contact(self) -> ContactInput:
        data = {"kind": self.kind, "occurred_at": datetime.combine(self.day, self.at), "channel": self.channel}
        return parse_journey(ContactInput, data | ({"outcome": self.outcome} if self.kind == "attempt" else {}))

    def treatment(self) -> TreatmentInput:
        return parse_journey(TreatmentInput, {"started_on": self.started_on})

    def closing(self) -> CloseInput:
        return parse_journey(CloseInput, {"reason": self.reason, "note": self.note.strip() or None})

    def inappropriate(self) -> InappropriateInput:
        data = {"reason": self.flag_reason, "referrer": self.referrer, "note": self.flag_note.strip() or None}
        return parse_journey(InappropriateInput, data)


def default_referrer(record: ReferralRecord) -> str:
    """Who made the referral, as the record has it: the referring GP, else the practice; else empty
    (a self-referral or a partner's: the person flagging types who)."""
    referral = record.referral
    if referral.referring_gp:
        return referral.referring_gp
    return referral.gp_practice.name if referral.gp_practice else ""


def _note_box(name: str, write: Callable[[str], None]) -> QPlainTextEdit:
    box = QPlainTextEdit()
    box.setAccessibleName(name)
    box.setTabChangesFocus(True)
    box.setMaximumHeight(70)
    box.textChanged.connect(lambda: write(box.toPlainText()))
    return box


def _combo(name: str, codes: tuple[str, ...], words: dict[str, str], write: Callable[[str], None]) -> QComboBox:
    combo = QComboBox()
    combo.setAccessibleName(name)
    for code in codes:
        combo.addItem(words[code], code)
    combo.currentIndexChanged.connect(lambda _i: write(str(combo.currentData())))
    return combo


class JourneyDialog(QDialog):
    def __init__(self, store: Store, user: User, record: ReferralRecord, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Contact, treatment and closing")
        self.store, self.user, self.referral_id = store, user, record.referral.id
        self.form = JourneyForm()
        self.changed = False
        words = labels()
        column = QVBoxLayout(self)
        # The short reference a person reads (not the id), and the status kept true after each action.
        self.reference = record.referral.reference
        self.heading = QLabel()
        self._show_status(record.referral.status)
        column.addWidget(self.heading)
        # Two columns, read left then right (the Tab order too): before and after the decision on the
        # left, the referral's end and its flag on the right, so the dialog fits a 1280x720 screen.
        halves = QHBoxLayout()
        left, right = QVBoxLayout(), QVBoxLayout()
        halves.addLayout(left)
        halves.addLayout(right)
        column.addLayout(halves)

        contact = QGroupBox("Reaching the person")
        rows = QFormLayout(contact)
        self.kind = _combo("Kind", CONTACT_KINDS, words.contact_kinds, self._set_kind)
        self.channel = _combo(
            "Channel", CONTACT_CHANNELS, words.contact_channels, lambda v: setattr(self.form, "channel", v)
        )
        self.outcome = _combo(
            "Outcome", CONTACT_OUTCOMES, words.contact_outcomes, lambda v: setattr(self.form, "outcome", v)
        )
        self.kind.setCurrentIndex(CONTACT_KINDS.index("attempt"))  # the outcome box exists by now
        self.day = QDateEdit(QDate(self.form.day.year, self.form.day.month, self.form.day.day))
        self.day.setDisplayFormat("dd/MM/yyyy")
        self.day.setAccessibleName("Date")
        self.day.dateChanged.connect(lambda d: setattr(self.form, "day", d.toPython()))
        self.at = QTimeEdit(QTime(self.form.at.hour, self.form.at.minute))
        self.at.setDisplayFormat("HH:mm")
        self.at.setAccessibleName("Time")
        self.at.timeChanged.connect(lambda t: setattr(self.form, "at", t.toPython()))
        for text, widget in (("&Kind", self.kind), ("C&hannel", self.channel), ("&Outcome", self.outcome),
                             ("&Date", self.day), ("T&ime", self.at)):  # fmt: skip
            rows.addRow(self._label(text, widget), widget)
        self.contact_button = QPushButton("&Record contact")
        self.contact_button.clicked.connect(self.record_contact)
        rows.addRow(self.contact_button)
        left.addWidget(contact)

        treatment = QGroupBox("Treatment")
        rows = QFormLayout(treatment)
        self.started_on = QDateEdit(
            QDate(self.form.started_on.year, self.form.started_on.month, self.form.started_on.day)
        )
        self.started_on.setDisplayFormat("dd/MM/yyyy")
        self.started_on.setAccessibleName("Treatment started on")
        self.started_on.dateChanged.connect(lambda d: setattr(self.form, "started_on", d.toPython()))
        rows.addRow(self._label("Treatment &started on", self.started_on), self.started_on)
        self.treatment_button = QPushButton("Record &treatment start")
        self.treatment_button.clicked.connect(self.record_treatment)
        rows.addRow(self.treatment_button)
        left.addWidget(treatment)
        left.addStretch(1)

        closing = QGroupBox("Closing the referral")
        rows = QFormLayout(closing)
        self.reason = _combo("Reason", CLOSE_REASONS, words.close_reasons, lambda v: setattr(self.form, "reason", v))
        self.reason.setCurrentIndex(CLOSE_REASONS.index("declined"))
        self.note = _note_box("Note", lambda v: setattr(self.form, "note", v))
        rows.addRow(self._label("R&eason", self.reason), self.reason)
        rows.addRow(self._label("&Note", self.note), self.note)
        self.close_button = QPushButton("&Close the referral")
        self.close_button.clicked.connect(self.close_the_referral)
        rows.addRow(self.close_button)
        right.addWidget(closing)
        right.addWidget(self._inappropriate_box(record))
        right.addStretch(1)

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("What happened")
        column.addWidget(self.message)
        for button in (self.contact_button, self.treatment_button, self.close_button, self.flag_button,
                       self.unflag_button):  # fmt: skip
            button.setAutoDefault(False)
            button.setAccessibleName(button.text().replace("&", ""))

    def _inappropriate_box(self, record: ReferralRecord) -> QGroupBox:
        """Why the referral was not one for this service, and who made it: counted by referrer in the
        reports, so the service can feed back what it can and cannot help with."""
        box = QGroupBox("Inappropriate referral")
        rows = QFormLayout(box)
        words = labels().inappropriate_reasons
        self.flag_reason = _combo("Why it was inappropriate", INAPPROPRIATE_REASONS, words,
                                  lambda v: setattr(self.form, "flag_reason", v))  # fmt: skip
        self.referrer = QLineEdit(default_referrer(record))
        self.referrer.setAccessibleName("Referred by")
        self.referrer.setMaxLength(100)
        self.referrer.textChanged.connect(lambda v: setattr(self.form, "referrer", v))
        self.form.referrer = self.referrer.text()
        self.flag_note = _note_box("Why (note)", lambda v: setattr(self.form, "flag_note", v))
        rows.addRow(self._label("&Why", self.flag_reason), self.flag_reason)
        rows.addRow(self._label("Referred &by", self.referrer), self.referrer)
        rows.addRow(self._label("Wh&y, in words", self.flag_note), self.flag_note)
        self.flag_button = QPushButton("&Flag as inappropriate")
        self.flag_button.clicked.connect(self.flag_inappropriate)
        self.unflag_button = QPushButton("Take the f&lag off")
        self.unflag_button.clicked.connect(self.take_flag_off)
        self.unflag_button.setEnabled(record.journey.inappropriate is not None)
        rows.addRow(self.flag_button)
        rows.addRow(self.unflag_button)
        return box

    @staticmethod
    def _label(text: str, buddy: QWidget) -> QLabel:
        label = QLabel(text)
        label.setBuddy(buddy)
        return label

    def _set_kind(self, kind: str) -> None:
        self.form.kind = kind
        self.outcome.setEnabled(kind == "attempt")  # only an attempt has an outcome

    # --- the actions (the services check, refuse and audit) ------------------------------------------

    def record_contact(self) -> None:
        self._run(lambda: record_contact(self.store, self.user, self.referral_id, self.form.contact()), "Recorded")

    def record_treatment(self) -> None:
        self._run(lambda: record_treatment_start(self.store, self.user, self.referral_id, self.form.treatment()),
                  "Treatment start recorded")  # fmt: skip

    def close_the_referral(self) -> None:
        self._run(lambda: close_referral(self.store, self.user, self.referral_id, self.form.closing()), "Closed")

    def flag_inappropriate(self) -> None:
        if self._run(lambda: flag_inappropriate(self.store, self.user, self.referral_id, self.form.inappropriate()),
                     "Flagged as inappropriate"):  # fmt: skip
            self.unflag_button.setEnabled(True)

    def take_flag_off(self) -> None:
        if self._run(lambda: flag_inappropriate(self.store, self.user, self.referral_id, None), "Flag taken off"):
            self.unflag_button.setEnabled(False)

    def _run(self, action: Callable[[], Step], done: str) -> bool:
        """Whether the action was recorded; what happened is said under the form either way."""
        try:
            step = action()
        except InvalidInput as exc:
            self._say("Not recorded: " + "; ".join(exc.problems) + ".", warning=True)
            return False
        except StoreError as exc:
            self._say(f"Not recorded: {exc}.", warning=True)
            return False
        self.changed = True
        self._show_status(step.status)
        self._say(f"{done}. The referral is now {labels().statuses[step.status].lower()}.", warning=False)
        return True

    def _show_status(self, status: str) -> None:
        self.heading.setText(f"Referral {self.reference}, now <b>{labels().statuses[status]}</b>")

    def _say(self, text: str, *, warning: bool) -> None:
        self.message.setProperty("role", "warning" if warning else "")
        self.message.setText(text)


def run_journey(parent: QWidget, store: Store, user: User, record: ReferralRecord) -> bool:
    """The dialog, modal; whether anything was recorded (the caller shows the record again)."""
    dialog = JourneyDialog(store, user, record, parent)
    dialog.exec()
    changed = dialog.changed
    shiboken6.delete(dialog)  # now, with its drop-downs' popups: a deferred delete could outlive the window
    return changed


def open_from_window(window: MainWindow) -> None:
    """Ctrl+J in the main window: the journey of the record shown, or of the referral selected in the
    list (opened as a record is: checked and audited as a view); afterwards the record is shown again,
    or the list reloaded, so what was recorded is in view."""
    shown = window.record_page.record if window.record_page is not None else None
    selected = window.home.selected_referral() if shown is None and window.screening is None else None
    chosen = shown or (window._record(selected) if selected else None)
    if chosen is None or window.locked or not run_journey(window, window.store, window.user, chosen):
        return
    if shown is not None:  # once the press that opened the dialog is done with the page being replaced
        QTimer.singleShot(0, lambda: window._show_record(window._record(shown.referral.id) or shown))
    else:
        window.home.apply_filter()
