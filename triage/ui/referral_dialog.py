"""A new referral, typed in: validated by the services before anything is written; each problem is
shown by its field, never with what was typed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from triage.fields import UK_DATE_HELP, parse_uk_date
from triage.labels import labels
from triage.services.directory import PracticeEntry
from triage.services.inputs import InvalidInput, ReferralInput, parse
from triage.store.vocabulary import REFERRAL_SOURCES, RETURNED_FROM
from triage.ui.value_combo import value_combo

FIELD_LABELS = {
    "nhs_number": "NHS number",
    "given_name": "Given name",
    "family_name": "Family name",
    "date_of_birth": "Date of birth",
    "received_on": "Received on",
    "source": "Source",
    "gp_practice_code": "GP practice",
    "referring_gp": "Referring GP",
    "phone": "Phone",
    "address_line1": "Address line 1",
    "address_line2": "Address line 2",
    "address_line3": "Town or city",
    "postcode": "Postcode",
    "interpreter_language": "Interpreter language",
    "notes": "Notes",
    "returned_from": "Came back from",
}


class NewReferralDialog(QDialog):
    def __init__(self, practices: list[PracticeEntry], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New referral")
        self.practices = {f"{p.name} ({p.code})": p.code for p in practices}
        self.practice_gps = {p.code: p.gp_names for p in practices}
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.fields: dict[str, QLineEdit] = {}
        for key, placeholder in (
            ("nhs_number", "10 digits, e.g. 943 476 5919"),
            ("given_name", ""),
            ("family_name", ""),
            ("date_of_birth", "dd/mm/yyyy"),
            ("received_on", "dd/mm/yyyy"),
        ):
            edit = QLineEdit()
            edit.setPlaceholderText(placeholder)
            edit.setAccessibleName(FIELD_LABELS[key])
            self.fields[key] = edit
            form.addRow(f"&{FIELD_LABELS[key]}", edit)
        self.fields["received_on"].setText(date.today().strftime("%d/%m/%Y"))
        self.source = QComboBox()
        self.source.setAccessibleName("Source")
        for code in REFERRAL_SOURCES:
            self.source.addItem(labels().sources[code], code)
        form.addRow("&Source", self.source)
        self.practice = QLineEdit()
        self.practice.setAccessibleName("GP practice")
        self.practice.setPlaceholderText("Type the practice name or code")
        completer = QCompleter(sorted(self.practices), self.practice)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.practice.setCompleter(completer)
        form.addRow("GP &practice", self.practice)
        # The GP the letter goes to: one of the practice's GPs in the directory, or a name typed.
        self.referring_gp = QComboBox()
        self.referring_gp.setEditable(True)
        self.referring_gp.setAccessibleName("Referring GP")
        line = self.referring_gp.lineEdit()
        assert line is not None  # an editable combo box has one
        line.setAccessibleName("Referring GP")  # what a screen reader reads when typing into it
        self.referring_gp.setPlaceholderText("Choose the practice's GP, or type the name")
        self.practice.textChanged.connect(self._offer_practice_gps)
        form.addRow("R&eferring GP", self.referring_gp)
        for key in ("phone", "address_line1", "address_line2", "address_line3", "postcode", "interpreter_language",
                    "notes"):  # fmt: skip
            edit = QLineEdit()
            edit.setAccessibleName(FIELD_LABELS[key])
            self.fields[key] = edit
            form.addRow(FIELD_LABELS[key], edit)
        self.fields["postcode"].setPlaceholderText("UK postcode, e.g. DN1 2AA")
        # A referral returned to this service by another (the ping-pong record, issue 15 item 6): the
        # decision warns when this person is routed back to a service that returned them.
        self.returned_from = value_combo(FIELD_LABELS["returned_from"], [(None, "— not a return from another service —"),
                                         *((code, labels().returned_from[code]) for code in RETURNED_FROM)])  # fmt: skip
        form.addRow("Came &back from", self.returned_from)
        layout.addLayout(form)

        self.problems = QLabel()
        self.problems.setWordWrap(True)
        self.problems.setProperty("role", "warning")
        self.problems.setAccessibleName("Problems with the referral")
        self.problems.setVisible(False)
        layout.addWidget(self.problems)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Create and start screening")
        buttons.button(QDialogButtonBox.StandardButton.Ok).setAccessibleName("Create and start screening")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName("Cancel")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.referral: ReferralInput | None = None

    def _practice_code(self) -> str | None:
        text = self.practice.text().strip()
        if not text:
            return None
        return self.practices.get(text, text)  # a bare code typed in is checked by the validator

    def _offer_practice_gps(self) -> None:
        """The practice's GPs to choose from, once the practice is known; what was typed is kept."""
        typed = self.referring_gp.currentText()
        self.referring_gp.clear()
        self.referring_gp.addItems(list(self.practice_gps.get(self._practice_code() or "", ())))
        self.referring_gp.setCurrentIndex(-1)
        self.referring_gp.setEditText(typed)

    def accept(self) -> None:
        data: dict[str, object] = {key: edit.text() for key, edit in self.fields.items()}
        data["referring_gp"] = self.referring_gp.currentText()
        unreadable = []
        for name in ("date_of_birth", "received_on"):
            typed = self.fields[name].text()
            data[name] = parse_uk_date(typed) or typed.strip()
            if typed.strip() and parse_uk_date(typed) is None:
                unreadable.append(f"{name}: {UK_DATE_HELP}")
        data["source"] = self.source.currentData()
        data["gp_practice_code"] = self._practice_code()
        data["returned_from"] = self.returned_from.currentData()
        try:
            self.referral = parse(ReferralInput, data)
        except InvalidInput as exc:
            dates = {problem.partition(":")[0] for problem in unreadable}
            self.show_problems(unreadable + [p for p in exc.problems if p.partition(":")[0] not in dates])
            return
        super().accept()

    def show_problems(self, problems: list[str]) -> None:
        self.problems.setText(problems_html(problems, FIELD_LABELS))
        self.problems.setVisible(True)
        first = problems[0].partition(":")[0].split(".")[0] if problems else ""
        if first in self.fields:
            self.fields[first].setFocus()


def problems_html(problems: Sequence[str], labels: Mapping[str, str]) -> str:
    """The services' "field: what is allowed" problems as a form shows them, each field by its label."""
    lines = []
    for problem in problems:
        field, _, message = problem.partition(": ")
        label = labels.get(field.split(".")[0], field)
        lines.append(f"<b>{escape(label)}</b>: {escape(message or problem)}")
    return "Please check:<br>" + "<br>".join(lines)
