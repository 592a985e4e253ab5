"""Changes made from a referral's record: correcting the person's identifiers (a mistyped name, date
of birth or NHS number, with a reason: issue 15, item 9) and editing the postal address and the
referring GP (``ReferralUpdate``).

Each dialog checks what was typed with the services' own input model and hands it to the service,
which checks the permission, validates the record as a whole and audits it; a problem is shown by its
field in the dialog, which stays open, and nothing is written. After a change the window shows the
record again, read afresh. The window wires the record's requests here (``connect_edits``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel
from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from triage.fields import UK_DATE_HELP, parse_uk_date
from triage.labels import labels
from triage.services.corrections import CorrectionInput, correct_identity
from triage.services.directory import list_practices
from triage.services.inputs import InvalidInput, ReferralUpdate, parse
from triage.services.referrals import update_referral
from triage.services.teams import clinician_choices, set_team_and_clinician, team_choices
from triage.store.errors import NotFoundError, RefusedError, StoreError
from triage.store.vocabulary import CORRECTION_REASONS
from triage.ui.merge_dialog import MergeDialog, UndoMergeDialog
from triage.ui.referral_dialog import problems_html

if TYPE_CHECKING:
    from triage.services.referral_record import ReferralRecord
    from triage.ui.main_window import MainWindow
    from triage.ui.record_view import RecordView

M = TypeVar("M", bound=BaseModel)

LABELS = {
    "given_name": "Given name", "family_name": "Family name", "date_of_birth": "Date of birth",
    "nhs_number": "NHS number", "reason_category": "Reason", "reason": "Why, in words",
    "address_line1": "Address line 1", "address_line2": "Address line 2", "address_line3": "Town or city",
    "postcode": "Postcode", "referring_gp": "Referring GP", "input": "Correction",
    "team": "Team", "code": "Team", "clinician": "Assigned clinician",
}  # fmt: skip


class _EditDialog(QDialog):
    """A form of line edits, a problems line and Save/Cancel; ``save`` is the service call."""

    def __init__(self, title: str, save_text: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)  # never the person's name: window titles reach task bars
        layout = QVBoxLayout(self)
        self.form = QFormLayout()
        layout.addLayout(self.form)
        self.fields: dict[str, QLineEdit] = {}
        self.focus_targets: dict[str, QWidget] = {}  # where a problem of each field puts the focus
        self.problems = QLabel()
        self.problems.setWordWrap(True)
        self.problems.setProperty("role", "warning")
        self.problems.setAccessibleName("Problems")
        self.problems.setVisible(False)
        layout.addWidget(self.problems)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText(save_text)
        self.save_button.setAccessibleName(save_text)
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName("Cancel")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.save: Callable[[Any], object] = lambda _data: None

    def add_field(self, key: str, text: str = "", placeholder: str = "") -> QLineEdit:
        edit = QLineEdit(text)
        edit.setAccessibleName(LABELS[key])
        edit.setPlaceholderText(placeholder)
        self.fields[key] = self.focus_targets[key] = edit
        self.form.addRow(LABELS[key], edit)
        return edit

    def submit(self, model: type[M], data: dict[str, object], early: list[str] | None = None) -> None:
        """Check ``data`` as ``model``, then save it; close only when it was saved."""
        try:
            if early:
                raise InvalidInput(early)
            self.save(parse(model, data))
        except InvalidInput as exc:
            self.show_problems(exc.problems)
            return
        except StoreError as exc:
            self.show_problems([f"input: {exc}"])
            return
        super().accept()

    def show_problems(self, problems: list[str]) -> None:
        self.problems.setText(problems_html(problems, LABELS))
        self.problems.setVisible(True)
        first = problems[0].partition(":")[0] if problems else ""
        if first in self.focus_targets:
            self.focus_targets[first].setFocus()


class CorrectionDialog(_EditDialog):
    """The person's identifiers as recorded, to correct: what differs is the correction, with why."""

    def __init__(self, record: ReferralRecord, parent: QWidget | None = None) -> None:
        super().__init__("Correct identifiers", "Save the correction", parent)
        person = record.person
        self.recorded = {"given_name": person.given_name, "family_name": person.family_name,
                         "date_of_birth": person.date_of_birth.strftime("%d/%m/%Y"), "nhs_number": person.nhs_number}  # fmt: skip
        for key, value in self.recorded.items():
            self.add_field(key, value, "dd/mm/yyyy" if key == "date_of_birth" else "")
        self.reason_category = QComboBox()
        self.reason_category.setAccessibleName("Reason")
        self.reason_category.addItem("Choose the reason…", None)
        for code in CORRECTION_REASONS:
            self.reason_category.addItem(labels().correction_reasons[code], code)
        self.form.addRow("Reason", self.reason_category)
        self.focus_targets["reason_category"] = self.reason_category
        self.add_field("reason", placeholder="e.g. letters swapped when typed from the referral form")

    def accept(self) -> None:
        data: dict[str, object] = {"reason_category": self.reason_category.currentData(),
                                   "reason": self.fields["reason"].text()}  # fmt: skip
        early = []
        for key, recorded in self.recorded.items():
            typed = self.fields[key].text().strip()
            if typed.replace(" ", "") == recorded.replace(" ", ""):
                continue  # as recorded: not part of the correction
            if key == "date_of_birth" and parse_uk_date(typed) is None:
                early.append(f"date_of_birth: {UK_DATE_HELP}")
                continue
            data[key] = parse_uk_date(typed) if key == "date_of_birth" else typed
        self.submit(CorrectionInput, data, early)


class DetailsDialog(_EditDialog):
    """The postal address and the referring GP (one of the practice's GPs, or a name typed), the
    referral's team and its assigned clinician (services/teams.py decides who may set which)."""

    def __init__(self, record: ReferralRecord, practice_gps: tuple[str, ...], parent: QWidget | None = None, *,
                 teams: Sequence[tuple[str, str]] = (), clinicians: Sequence[tuple[str, str]] = ()) -> None:  # fmt: skip
        super().__init__("Edit address and GP", "Save the changes", parent)
        r = record.referral
        lines = [*r.address_lines, "", "", ""][:3]
        self.recorded: dict[str, str] = {"address_line1": lines[0], "address_line2": lines[1],
                                         "address_line3": lines[2], "postcode": r.postcode or ""}  # fmt: skip
        for key, value in self.recorded.items():
            self.add_field(key, value, "UK postcode, e.g. DN1 2AA" if key == "postcode" else "")
        self.referring_gp = QComboBox()
        self.referring_gp.setEditable(True)
        self.referring_gp.setAccessibleName("Referring GP")
        self.referring_gp.addItems(list(practice_gps))
        self.referring_gp.setEditText(r.referring_gp or "")
        line = self.referring_gp.lineEdit()
        assert line is not None
        line.setAccessibleName("Referring GP")
        self.form.addRow("Referring GP", self.referring_gp)
        self.recorded_gp = r.referring_gp or ""
        self.version = r.version  # what the next save starts from (the team's change moves it on)
        team_items = [("No team (the whole service's)", None), *((f"{code}: {name}", code) for code, name in teams)]
        self.team = self._choice("team", "Team", team_items, r.team_code)
        people = [("Nobody", None), *((f"{name} ({username})", username) for username, name in clinicians)]
        self.clinician = self._choice("clinician", "Assigned clinician", people, r.assigned_to)
        self.recorded_assignment: dict[str, str | None] = {"team": r.team_code, "clinician": r.assigned_to}
        self.assignment: dict[str, str | None] = {}

    def _choice(self, key: str, label: str, items: list[tuple[str, str | None]], current: str | None) -> QComboBox:
        box = QComboBox()
        box.setAccessibleName(label)
        for text, code in items:
            box.addItem(text, code)
        if box.findData(current) < 0:  # e.g. a clinician since disabled: shown as recorded
            box.addItem(str(current), current)
        box.setCurrentIndex(box.findData(current))
        self.form.addRow(label, box)
        self.focus_targets[key] = box
        if key == "team":
            self.focus_targets["code"] = box
        return box

    def assigned(self, version: int) -> None:
        """The team and clinician were saved: the next save starts from them."""
        self.version = version
        self.recorded_assignment.update(self.assignment)

    def accept(self) -> None:
        data: dict[str, object] = {k: e.text().strip() or None for k, e in self.fields.items()
                                   if e.text().strip() != self.recorded[k]}  # fmt: skip
        gp = self.referring_gp.currentText().strip()
        if gp != self.recorded_gp:
            data["referring_gp"] = gp or None
        chosen = {"team": self.team.currentData(), "clinician": self.clinician.currentData()}
        self.assignment = {k: v for k, v in chosen.items() if v != self.recorded_assignment[k]}
        self.submit(ReferralUpdate, data)


def connect_edits(window: MainWindow, page: RecordView) -> None:
    """The record's "Correct identifiers", "Edit address and GP", "Merge records" and "Undo
    merge" open their dialogs; after a change the record is read again and shown."""
    page.correct_requested.connect(lambda: _correct(window, page.record))
    page.edit_requested.connect(lambda: _edit(window, page.record))
    # two records of one person (a team leader's; merge_dialog.py): merge with another, undo a merge
    page.merge_requested.connect(lambda: _run(window, MergeDialog(window, page.record), page.record.referral.id))
    page.unmerge_requested.connect(
        lambda: _run(window, UndoMergeDialog(window, page.record), page.record.referral.id)
    )  # fmt: skip


def _correct(window: MainWindow, record: ReferralRecord) -> None:
    dialog = CorrectionDialog(record, window)
    dialog.save = lambda data: correct_identity(
        window.store, window.user, record.referral.id, record.person.version, data
    )
    _run(window, dialog, record.referral.id)


def _edit(window: MainWindow, record: ReferralRecord) -> None:
    practice = record.referral.gp_practice
    gps = next((p.gp_names for p in list_practices(window.store) if practice and p.code == practice.code), ())
    teams, people = team_choices(window.store, window.user), clinician_choices(window.store, window.user)
    dialog = DetailsDialog(record, gps, window, teams=teams, clinicians=people)

    def save(data: ReferralUpdate) -> None:
        if dialog.assignment:  # first, in one transaction: one refused, neither written, nothing else
            try:
                version = set_team_and_clinician(window.store, window.user, record.referral.id, dialog.assignment,
                                                 version=dialog.version)  # fmt: skip
            except (RefusedError, NotFoundError) as exc:  # each names its field: team, code or clinician
                raise InvalidInput([str(exc)]) from None
            dialog.assigned(version)
        dialog.version = update_referral(window.store, window.user, record.referral.id, dialog.version, data)

    dialog.save = save
    _run(window, dialog, record.referral.id)


def _run(window: MainWindow, dialog: QDialog, referral_id: str) -> None:
    if dialog.exec() != QDialog.DialogCode.Accepted or window.locked:
        return
    fresh = window._record(referral_id)  # read afresh, and recorded as a view
    if fresh is not None:
        window._show_record(fresh)
