"""The screening's risk section (section 4): the item 9 banner, the four risk questions with their
detail, protective factors, the risk rating, and the action recorded for high risk.

The high-risk alert itself is triage.ui.risk_alert; the page raises it and keeps what it recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from html import escape
from typing import Any

from PySide6.QtWidgets import QComboBox, QFormLayout, QGridLayout, QLabel, QLineEdit, QVBoxLayout

from triage.ui.rating import RatingChooser
from triage.ui.value_combo import select_value, value_combo

RISK_PROMPTS = (
    ("thoughts", "Thoughts of suicide or harm to self or others"),
    ("intent", "Intent to act on them"),
    ("plan", "A plan"),
    ("history", "History of self-harm, suicide attempts or harm to others"),
)
PRESENT = (("not_asked", "Not asked yet"), ("no", "No"), ("yes", "Yes"))
ANY_CONTACT_KEYS = ("contacted", "contacted_at", "actions_taken")  # what the high-risk alert records


def uk_date_time(iso: str) -> str:
    """23/11/2026 10:42 from an ISO date-time; unreadable text is shown as it is."""
    try:
        return datetime.fromisoformat(iso).strftime("%d/%m/%Y %H:%M")
    except ValueError:
        return escape(iso)


class RiskQuestions:
    """The risk section's widgets, added to the section's layout in reading (and tab) order."""

    def __init__(self, section: QVBoxLayout, rater: RatingChooser, on_change: Callable[[], None]) -> None:
        """``rater``: the risk rating, made with the other ratings and shown here after the questions."""
        self.item9_banner = QLabel(
            "⚠ PHQ-9 item 9 was answered above 0: ask these risk questions now, then carry on with GAD-7 (Alt+2)."
        )
        self.item9_banner.setProperty("role", "alert")
        self.item9_banner.setWordWrap(True)
        self.item9_banner.setVisible(False)
        section.addWidget(self.item9_banner)
        section.addLayout(self._questions(on_change))
        form = QFormLayout()
        self.protective = QLineEdit()
        self.protective.setAccessibleName("Protective factors")
        self.protective.textChanged.connect(lambda _t: on_change())
        form.addRow("Protective factors", self.protective)
        section.addLayout(form)
        section.addWidget(rater)
        self.action = QLabel()
        self.action.setWordWrap(True)
        self.action.setAccessibleName("Action taken for high risk")
        section.addWidget(self.action)

    def _questions(self, on_change: Callable[[], None]) -> QGridLayout:
        grid = QGridLayout()
        self.present: dict[str, QComboBox] = {}
        self.detail: dict[str, QLineEdit] = {}
        for row, (key, prompt) in enumerate(RISK_PROMPTS):
            question = QLabel(prompt)
            present = value_combo(f"{prompt}: asked?", [(value, label) for value, label in PRESENT])
            # On Linux Qt names a drop-down by its value and leaves the question to the label it is the buddy
            # of (AT-SPI "labelled by"); the description says the question again for readers that skip it.
            question.setBuddy(present)
            present.setAccessibleDescription(prompt)
            grid.addWidget(question, row, 0)
            detail = QLineEdit()
            detail.setAccessibleName(f"{prompt}: detail")
            detail.setPlaceholderText("Detail, in the person's words where possible")
            present.currentIndexChanged.connect(lambda _i: on_change())
            detail.textChanged.connect(lambda _t: on_change())
            grid.addWidget(present, row, 1)
            grid.addWidget(detail, row, 2)
            self.present[key], self.detail[key] = present, detail
        grid.setColumnStretch(2, 1)
        return grid

    def details(self) -> dict[str, Any]:
        """The answers as the form's ``risk_details`` holds them, without the recorded contact."""
        risk: dict[str, Any] = {
            key: {"present": self.present[key].currentData(), "detail": self.detail[key].text()}
            for key, _ in RISK_PROMPTS
        }
        risk["protective_factors"] = self.protective.text()
        return risk

    def load(self, risk: dict[str, Any]) -> None:
        for key, _ in RISK_PROMPTS:
            item = risk.get(key) or {}
            select_value(self.present[key], item.get("present", "not_asked"))
            self.detail[key].setText(item.get("detail", ""))
        self.protective.setText(risk.get("protective_factors", ""))

    def show(self, item9_raised: bool, contact: dict[str, str]) -> None:
        """``contact``: what the high-risk alert recorded, if anything."""
        self.item9_banner.setVisible(item9_raised)
        if contact.get("contacted"):
            self.action.setText(
                f"Action recorded: contacted {escape(contact['contacted'])} at "
                f"{uk_date_time(contact.get('contacted_at', ''))}. "
                f"{escape(contact.get('actions_taken', ''))}"
            )
        else:
            self.action.setText("")
