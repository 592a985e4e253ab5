"""The screening's risk section (section 4): the item 9 banner, the four risk questions with their
detail, protective factors, the risk rating, and the action recorded for high risk.

Every widget is bound to the session (triage.ui.binder): it writes the person's answers with the
session's setters and is redrawn from the session. N or Y on a risk question answers it: "No" moves
on to the next question, "Yes" to its detail, so a run of "No" answers takes one key each. The
high-risk alert itself is triage.ui.risk_alert; the page raises it when the session draws it (or the
screener presses "Record the action taken").
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial
from html import escape
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
)

from triage.labels import labels
from triage.services.assessment import assessment_words
from triage.services.screening_session import ScreeningSession
from triage.store.vocabulary import RISK_QUESTIONS
from triage.ui.binder import Binder, show_text
from triage.ui.rating import RatingChooser
from triage.ui.value_combo import select_value, value_combo

PRESENT = (("not_asked", "Not asked yet"), ("no", "No"), ("yes", "Yes"))
_ANSWER_KEYS = {Qt.Key.Key_N: "no", Qt.Key.Key_Y: "yes"}


def uk_date_time(iso: str) -> str:
    """23/11/2026 10:42 from an ISO date-time; unreadable text is shown as it is."""
    try:
        return datetime.fromisoformat(iso).strftime("%d/%m/%Y %H:%M")
    except ValueError:
        return escape(iso)


class RiskQuestions(QObject):
    """The risk section's widgets, added to the section's layout in reading (and tab) order."""

    def __init__(self, section: QVBoxLayout, session: ScreeningSession, binder: Binder, rater: RatingChooser,
                 record_action: Callable[[], None]) -> None:  # fmt: skip
        """``rater``: the risk rating, made with the other ratings and shown here after the questions;
        ``record_action``: raises the high-risk alert."""
        super().__init__()
        self.session, self.binder = session, binder
        self.item9_banner = QLabel()
        self.item9_banner.setProperty("role", "alert")
        self.item9_banner.setWordWrap(True)
        self.item9_banner.setVisible(False)
        section.addWidget(self.item9_banner)
        section.addLayout(self._questions())
        form = QFormLayout()
        # The rating first, then its detail: a typed "No" on the last question moves on to the detail
        # (a question), past the rating, so the run of answers N N N N, text, Tab, a level is as it was.
        levels = assessment_words().protective_levels
        self.protective_level = value_combo("Protective factors rated", [(None, "— not rated —"), *levels.items()])
        self.protective_level.currentIndexChanged.connect(
            lambda _i: session.update_risk_details({"protective_level": self.protective_level.currentData()})
        )
        binder.bind("risk_details.protective_level", self.protective_level,
                    lambda: select_value(self.protective_level, self._details().get("protective_level")))  # fmt: skip
        form.addRow("Protective factors: present, some or none-minimal", self.protective_level)
        self.protective = QLineEdit()
        self.protective.setAccessibleName("Protective factors")
        self.protective.textEdited.connect(lambda text: session.update_risk_details({"protective_factors": text}))
        binder.bind("risk_details.protective_factors", self.protective,
                    lambda: show_text(self.protective, self._details().get("protective_factors", "")))  # fmt: skip
        form.addRow("Protective factors", self.protective)
        section.addLayout(form)
        section.addWidget(rater)
        self.action = QLabel()
        self.action.setWordWrap(True)
        self.action.setAccessibleName("Action taken for high risk")
        section.addWidget(self.action)
        self.record = QPushButton("Record the action taken for high risk…")
        self.record.setAccessibleName("Record the action taken for high risk")
        self.record.clicked.connect(record_action)
        binder.bind("risk_details.contacted", self.record, self._show_action)
        section.addWidget(self.record, 0, Qt.AlignmentFlag.AlignLeft)
        actions = QFormLayout()
        self.actions = QLineEdit()
        self.actions.setAccessibleName("Actions taken and safety advice given")
        self.actions.setPlaceholderText(
            "Required when risk is medium or high: what was done, and the safety advice given"
        )
        self.actions.textEdited.connect(lambda text: session.update_risk_details({"actions_taken": text}))
        binder.bind("risk_details.actions_taken", self.actions, self._show_actions)
        self.actions_label = QLabel("Actions taken and safety advice")
        actions.addRow(self.actions_label, self.actions)
        section.addLayout(actions)

    def _questions(self) -> QGridLayout:
        grid = QGridLayout()
        self.present: dict[str, QComboBox] = {}
        self.detail: dict[str, QLineEdit] = {}
        for row, key in enumerate(RISK_QUESTIONS):
            prompt = labels().risk_questions[key]
            question = QLabel(prompt)
            present = value_combo(f"{prompt}: asked?", list(PRESENT))
            # On Linux Qt names a drop-down by its value and leaves the question to the label it is the buddy
            # of (AT-SPI "labelled by"); the description says the question again for readers that skip it.
            question.setBuddy(present)
            present.setAccessibleDescription(prompt)
            present.installEventFilter(self)
            grid.addWidget(question, row, 0)
            detail = QLineEdit()
            detail.setAccessibleName(f"{prompt}: detail")
            detail.setPlaceholderText("Detail, in the person's words where possible")
            present.currentIndexChanged.connect(lambda _i, k=key: self._write(k))
            detail.textEdited.connect(lambda _t, k=key: self._write(k))
            grid.addWidget(present, row, 1)
            grid.addWidget(detail, row, 2)
            self.present[key], self.detail[key] = present, detail
            self.binder.bind(f"risk_details.{key}.present", present, partial(self._show_prompt, key))
            self.binder.bind(f"risk_details.{key}.detail", detail, partial(self._show_prompt, key))
        grid.setColumnStretch(2, 1)
        return grid

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt's name
        """N or Y answers a risk question and moves on: "No" to the next question, "Yes" to its detail."""
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) and isinstance(watched, QComboBox):
            answer = _ANSWER_KEYS.get(Qt.Key(event.key()))
            if answer is not None and event.modifiers() in (Qt.KeyboardModifier.NoModifier,
                                                            Qt.KeyboardModifier.ShiftModifier):  # fmt: skip
                select_value(watched, answer)  # written to the session by currentIndexChanged
                key = next(k for k, combo in self.present.items() if combo is watched)
                target = self.detail[key] if answer == "yes" else self.binder.next_question(watched)
                if target is not None:
                    target.setFocus(Qt.FocusReason.TabFocusReason)
                return True
        return super().eventFilter(watched, event)

    def _details(self) -> dict[str, Any]:
        return self.session.form.risk_details

    def _write(self, key: str) -> None:
        item = {"present": self.present[key].currentData(), "detail": self.detail[key].text()}
        self.session.update_risk_details({key: item})

    def _show_prompt(self, key: str) -> None:
        item = self._details().get(key) or {}
        select_value(self.present[key], item.get("present", "not_asked"))
        show_text(self.detail[key], item.get("detail", ""))

    def _show_action(self) -> None:
        risk = self._details()
        high = self.session.form.risk == "high"
        recorded = bool(risk.get("contacted"))
        self.record.setVisible(self.session.high_risk_action_missing)
        if recorded:
            self.action.setText(
                f"Action recorded: contacted {escape(risk['contacted'])} at "
                f"{uk_date_time(str(risk.get('contacted_at', '')))}. {escape(risk.get('actions_taken', ''))}"
            )
        else:
            self.action.setText("⚠ High risk: record who was contacted, when, and what was agreed." if high else "")

    def _show_actions(self) -> None:
        shown = self.session.risk_actions_asked
        self.actions.setVisible(shown)
        self.actions_label.setVisible(shown)
        show_text(self.actions, self._details().get("actions_taken", ""))

    def show_item9(self, raised: bool, carry_on: str) -> None:
        """The banner while PHQ-9 item 9 is above 0; ``carry_on``: where to go after the risk questions."""
        self.item9_banner.setVisible(raised)
        self.item9_banner.setText(
            f"⚠ PHQ-9 item 9 was answered above 0: ask these risk questions now, then carry on with {carry_on}."
        )
