"""The high-risk alert: raised when risk is rated high, and not dismissable until the screener has
recorded who was contacted, when, and what was agreed. It shows the service's crisis and duty contacts from settings,
so it works with no network."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QDateTime, Qt
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import (
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from triage.fields import has_words
from triage.settings import ServiceSettings

UK_DATE_TIME = "dd/MM/yyyy HH:mm"


class HighRiskAlert(QDialog):
    def __init__(self, settings: ServiceSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("High risk: act now")
        self.setModal(True)
        # No close button: the only way out is recording the action.
        self.setWindowFlags(Qt.WindowType.Dialog | Qt.WindowType.CustomizeWindowHint | Qt.WindowType.WindowTitleHint)
        layout = QVBoxLayout(self)
        alert = QLabel(
            "⚠ <b>HIGH RISK.</b> The matrix points to the crisis team (CRHTT) or the CMHT. Contact your duty "
            "manager or supervisor now, and record who you contacted, when, and what was agreed before you go on."
        )
        alert.setWordWrap(True)
        alert.setProperty("role", "alert")
        layout.addWidget(alert)
        local = [("Crisis", c) for c in settings.crisis_contacts] + [("Duty", c) for c in settings.duty_contacts]
        lines = [
            f"<b>{kind}:</b> {escape(c.name)} — <b>{escape(c.phone)}</b>{f' ({escape(c.hours)})' if c.hours else ''}"
            for kind, c in local + [("National", c) for c in settings.national_contacts]
        ]
        if not local:
            lines.insert(0, "No crisis or duty contacts are set up: ask your service admin to add them in Settings.")
        listing = QLabel("<br>".join(lines))
        listing.setWordWrap(True)
        listing.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        listing.setAccessibleName("Crisis and duty contacts")
        layout.addWidget(listing)

        form = QFormLayout()
        self.contacted = QLineEdit()
        self.contacted.setAccessibleName("Who was contacted")
        self.contacted.setPlaceholderText("e.g. duty manager J. Smith")
        self.contacted_at = QDateTimeEdit(QDateTime.currentDateTime())
        self.contacted_at.setDisplayFormat(UK_DATE_TIME)
        self.contacted_at.setAccessibleName("When they were contacted")
        self.action = QLineEdit()
        self.action.setAccessibleName("What was agreed")
        form.addRow("Who was &contacted", self.contacted)
        form.addRow("&When", self.contacted_at)
        form.addRow("What was &agreed", self.action)
        layout.addLayout(form)
        # Says what is still missing, by field, so a disabled button never leaves the screener guessing.
        self.missing = QLabel()
        self.missing.setWordWrap(True)
        self.missing.setAccessibleName("What is still to record")
        layout.addWidget(self.missing)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        self.record = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.record.setText("Record action")
        self.record.setAccessibleName("Record action")
        self.record.setEnabled(False)
        self.buttons.accepted.connect(self.accept)
        layout.addWidget(self.buttons)
        self.contacted.textChanged.connect(self._update)
        self.action.textChanged.connect(self._update)
        self._update()
        self.contacted.setFocus()

    def still_missing(self) -> list[str]:
        """What the screener must still record: who (a name or role in words, not "."), and what was agreed."""
        missing = []
        if not has_words(self.contacted.text()):
            missing.append("Who was contacted: a name or role in words (such as duty manager J. Smith)")
        if not has_words(self.action.text()):
            missing.append("What was agreed: say what was agreed, in words")
        return missing

    def _update(self) -> None:
        missing = self.still_missing()
        self.record.setEnabled(not missing)
        self.missing.setText("Still to record: " + "; ".join(missing) if missing else "")

    def reject(self) -> None:
        """Escape and the window manager's close do nothing: the action must be recorded."""

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.result() != QDialog.DialogCode.Accepted:
            event.ignore()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            return
        super().keyPressEvent(event)

    def accept(self) -> None:
        if not self.still_missing():
            super().accept()

    def recorded(self) -> dict[str, str]:
        return {
            "contacted": self.contacted.text().strip(),
            "contacted_at": self.contacted_at.dateTime().toString(Qt.DateFormat.ISODate),
            "actions_taken": self.action.text().strip(),
        }
