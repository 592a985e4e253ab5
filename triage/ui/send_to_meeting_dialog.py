"""Send a referral to the referral meeting (issue 16, item 1): a PWP's question for the team, recorded
through ``services.meeting_queue.send_to_meeting``, which checks the role, validates the question (it is
required), audits and puts the referral in the meeting's queue.

The form is ``SendForm``, a plain-Python model the question box writes to. What the services refuse is
said under the form in words, naming the field, and nothing is sent; Escape closes without sending.
"""

from __future__ import annotations

from dataclasses import dataclass

import shiboken6
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from triage.services.inputs import InvalidInput
from triage.services.meeting_queue import send_to_meeting
from triage.services.permissions import User
from triage.store.database import Store
from triage.store.errors import StoreError


@dataclass
class SendForm:
    """What the dialog holds: the question for the team, as typed (the services trim and check it)."""

    question: str = ""


class SendToMeetingDialog(QDialog):
    """The question for the team about one referral; ``sent`` once the services have recorded it."""

    def __init__(self, store: Store, user: User, referral_id: str, reference: str,
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.store, self.user, self.referral_id = store, user, referral_id
        self.form = SendForm()
        self.sent = False
        self.setWindowTitle("Send to the referral meeting")
        self.setAccessibleName("Send to the referral meeting")
        column = QVBoxLayout(self)
        heading = QLabel(f"Referral {reference}: what should the team decide or advise?")
        heading.setWordWrap(True)
        column.addWidget(heading)
        self.question = QPlainTextEdit()
        self.question.setAccessibleName("Question for the team")
        self.question.setTabChangesFocus(True)  # Tab moves on to Send; the question is typed, not tabbed
        self.question.setMinimumSize(480, 110)
        self.question.textChanged.connect(lambda: setattr(self.form, "question", self.question.toPlainText()))
        label = QLabel("&Question for the team (required)")
        label.setBuddy(self.question)
        column.addWidget(label)
        column.addWidget(self.question)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("What happened")
        column.addWidget(self.message)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.send_button = QPushButton("&Send to the meeting")
        self.send_button.setAccessibleName("Send to the meeting")
        self.send_button.setAutoDefault(False)  # Return in the question is a new line, never a send
        self.send_button.clicked.connect(self.send)
        buttons.addWidget(self.send_button)
        column.addLayout(buttons)
        self.question.setFocus()

    def send(self) -> None:
        """The question to the services; accepted once recorded, else their refusal said and nothing sent."""
        try:
            send_to_meeting(self.store, self.user, self.referral_id, self.form.question)
        except InvalidInput as exc:
            self._refused("; ".join(exc.problems))
            return
        except StoreError as exc:
            self._refused(str(exc))
            return
        self.sent = True
        self.accept()

    def _refused(self, why: str) -> None:
        self.message.setProperty("role", "warning")
        self.message.setText(f"Not sent: {why.rstrip('.')}.")
        self.question.setFocus()


def run_send_to_meeting(parent: QWidget, store: Store, user: User, referral_id: str, reference: str) -> bool:
    """The dialog, modal; whether the referral was sent."""
    dialog = SendToMeetingDialog(store, user, referral_id, reference, parent)
    dialog.exec()
    sent = dialog.sent
    shiboken6.delete(dialog)  # now: a deferred delete could outlive the window
    return sent
