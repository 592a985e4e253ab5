"""Settings for a service admin. The service's, kept in the store and the same on every computer that
opens it (``triage.services.service_settings``): service details for letters, the store's reference
prefix, crisis and duty contacts, the national numbers the patient copy prints after them, the idle
lock, the GP practice directory, the ruleset in force (its text kept in the store), the wait targets
and the lists of conditions the screening form offers (``settings_lists``). This
computer's own, in its settings file: scheduled backups of its store (``backup_settings``).
Everything is validated before anything is saved."""

from __future__ import annotations

from html import escape
from pathlib import Path

from pydantic import ValidationError
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from triage.rules.ruleset import Ruleset, RulesetError
from triage.services.directory import import_practices_csv, list_practices
from triage.services.inputs import InvalidInput
from triage.services.permissions import User
from triage.services.references import BAD_PREFIX, PREFIX, reference_prefix, set_reference_prefix
from triage.services.scheduled_backup import folder_problems
from triage.services.service_settings import (
    RulesetText,
    read_ruleset_file,
    save_computer_settings,
    save_service_settings,
)
from triage.settings import (
    NATIONAL_CONTACTS,
    ComputerSettings,
    Contact,
    ServiceSettings,
    SettingsError,
    load_computer_settings,
    problems_of,
)
from triage.store.database import Store
from triage.store.errors import StoreError
from triage.ui.backup_settings import BackupSection
from triage.ui.fit import fit_to_screen, follow_focus
from triage.ui.settings_lists import ConditionListsSection, WaitTargetsSection

CONTACT_HELP = "One per line: name | phone | hours (hours optional)"
NATIONAL_HELP = (
    "Printed on the patient copy after the service's own crisis and duty numbers, in the words the person reads. "
    "One per line: name | phone | hours | source. Check a number against its source before changing it."
)


def contacts_text(contacts: tuple[Contact, ...]) -> str:
    """One line per contact; the hours kept in place (even empty) when a source follows them."""
    lines = []
    for c in contacts:
        parts = [c.name, c.phone, c.hours, c.source] if c.source else [c.name, c.phone, c.hours]
        lines.append(" | ".join(parts).removesuffix(" | "))
    return "\n".join(lines)


def parse_contacts(text: str) -> list[dict[str, str]]:
    rows = []
    for line in text.splitlines():
        if line.strip():
            parts = [part.strip() for part in line.split("|")] + ["", "", ""]
            rows.append({"name": parts[0], "phone": parts[1], "hours": parts[2], "source": parts[3]})
    return rows


def _text_box(name: str, text: str, height: int = 70) -> QPlainTextEdit:
    box = QPlainTextEdit(text)
    box.setAccessibleName(name)
    box.setTabChangesFocus(True)
    box.setFixedHeight(height)
    return box


def _scrolling(content: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidget(content)
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    area.setAccessibleName("Settings sections")
    for bar in (area.verticalScrollBar(), area.horizontalScrollBar()):
        bar.setAccessibleName("Scroll the settings")
    follow_focus(area)
    return area


class SettingsDialog(QDialog):
    def __init__(self, store: Store, ruleset: Ruleset, settings: ServiceSettings, user: User,
                 parent: QWidget | None = None, settings_file: Path | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.store, self.user, self.settings_file = store, user, settings_file
        self.saved_settings: ServiceSettings | None = None
        self.ruleset_sha256 = settings.ruleset_sha256  # the one chosen: in force until Save says otherwise
        self.chosen_ruleset: RulesetText | None = None  # a file chosen here, for the store to keep
        try:
            self.computer = load_computer_settings(settings_file)
        except SettingsError:
            self.computer = ComputerSettings()  # an unreadable file: defaults, replaced whole on Save
        self.setWindowTitle("Settings")
        outer = QVBoxLayout(self)
        # The sections scroll on a short screen (1280×720); the problems and Save stay below them, in view.
        sections = QWidget()
        layout = QVBoxLayout(sections)
        layout.setContentsMargins(0, 0, 0, 0)

        service = QGroupBox("Service (printed on letters; kept in the store, the same on every computer)")
        form = QFormLayout(service)
        self.name = QLineEdit(settings.service_name)
        self.name.setAccessibleName("Service name")
        self.address = _text_box("Service address, one line each", "\n".join(settings.address_lines))
        self.phone = QLineEdit(settings.phone)
        self.phone.setAccessibleName("Service phone")
        form.addRow("Service &name", self.name)
        form.addRow("&Address", self.address)
        form.addRow("&Phone", self.phone)
        self.prefix_shown = reference_prefix(store)
        self.prefix = QLineEdit(self.prefix_shown)
        self.prefix.setAccessibleName("Reference prefix")
        self.prefix.setMaxLength(3)
        self.prefix.setEnabled(user.can("settings"))
        self.prefix.setToolTip("Three capital letters A to Z that start this store's new references, e.g. DON")
        form.addRow("Reference prefi&x", self.prefix)
        form.addRow("", QLabel("<small>Starts new references (DON-000123); each store needs its own.</small>"))
        layout.addWidget(service)

        contacts = QGroupBox("Contacts shown when risk is high (kept in the store, the same on every computer)")
        form = QFormLayout(contacts)
        self.crisis = _text_box("Crisis contacts", contacts_text(settings.crisis_contacts))
        self.duty = _text_box("Duty contacts", contacts_text(settings.duty_contacts))
        self.crisis.setPlaceholderText(CONTACT_HELP)
        self.duty.setPlaceholderText(CONTACT_HELP)
        form.addRow("&Crisis", self.crisis)
        form.addRow("&Duty", self.duty)
        form.addRow("", QLabel(f"<small>{CONTACT_HELP}</small>"))
        layout.addWidget(contacts)
        layout.addWidget(self._national_box(settings))

        security = QGroupBox("Locking")
        form = QFormLayout(security)
        self.idle_minutes = QSpinBox()
        self.idle_minutes.setRange(1, 60)

        # "1 minute", "2 minutes": the suffix follows the number shown, from the first one on
        def unit(n: int) -> None:
            self.idle_minutes.setSuffix(" minute" if n == 1 else " minutes")

        self.idle_minutes.valueChanged.connect(unit)
        self.idle_minutes.setValue(round(settings.idle_lock_minutes))
        unit(self.idle_minutes.value())
        self.idle_minutes.setAccessibleName("Lock the window after this many minutes without use")
        form.addRow("&Lock after", self.idle_minutes)
        form.addRow("", QLabel("<small>Takes effect as soon as the settings are saved.</small>"))
        layout.addWidget(security)

        reports = QGroupBox("Reports that leave the service")
        form = QFormLayout(reports)
        self.small_numbers = QSpinBox()
        self.small_numbers.setRange(2, 50)
        self.small_numbers.setValue(settings.small_number_threshold)
        self.small_numbers.setEnabled(user.can("settings"))
        self.small_numbers.setPrefix("fewer than ")
        self.small_numbers.setSuffix(" people")
        self.small_numbers.setAccessibleName(
            "Hide a count of fewer than this many people in a report that leaves the service"
        )
        form.addRow("Hide a count of", self.small_numbers)
        form.addRow("", QLabel("<small>5 is a common choice, not a national rule (docs/reports.md); 0 is always "
                               "shown.</small>"))  # fmt: skip
        layout.addWidget(reports)

        self.backups = BackupSection(
            self.computer.scheduled_backup, editable=user.can("settings"), settings_file=settings_file
        )
        layout.addWidget(self.backups)

        directory = QGroupBox("GP practice directory")
        row = QHBoxLayout(directory)
        self.directory_count = QLabel()
        self.directory_count.setAccessibleName("Practices in the directory")
        importer = QPushButton("&Import practices from CSV…")
        importer.setAccessibleName("Import practices from CSV")
        importer.clicked.connect(self.import_directory)
        row.addWidget(self.directory_count, 1)
        row.addWidget(importer)
        layout.addWidget(directory)
        self._show_directory()

        rules = QGroupBox("Ruleset in force")
        column = QVBoxLayout(rules)
        self.ruleset_info = QLabel()
        self.ruleset_info.setWordWrap(True)
        self.ruleset_info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.ruleset_info.setAccessibleName("Ruleset in force")
        column.addWidget(self.ruleset_info)
        buttons = QHBoxLayout()
        choose = QPushButton("Choose a service ruleset &file…")
        choose.setAccessibleName("Choose a service ruleset file")
        choose.clicked.connect(self.choose_ruleset)
        shipped = QPushButton("Use the &shipped ruleset")
        shipped.setAccessibleName("Use the shipped ruleset")
        shipped.clicked.connect(lambda: self._set_ruleset(None))
        buttons.addWidget(choose)
        buttons.addWidget(shipped)
        buttons.addStretch(1)
        column.addLayout(buttons)
        layout.addWidget(rules)
        self._describe_ruleset(ruleset, note="")
        self.waits = WaitTargetsSection(settings.wait_targets, self._problems, editable=user.can("settings"))
        layout.addWidget(self.waits)
        self.conditions = ConditionListsSection(settings, editable=user.can("settings"))
        layout.addWidget(self.conditions)
        layout.addStretch(1)
        outer.addWidget(_scrolling(sections), 1)
        layout = outer

        self.problems = QLabel()
        self.problems.setWordWrap(True)
        self.problems.setProperty("role", "warning")
        self.problems.setAccessibleName("Problems with the settings")
        self.problems.setVisible(False)
        layout.addWidget(self.problems)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        box.button(QDialogButtonBox.StandardButton.Save).setAccessibleName("Save settings")
        box.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName("Cancel")
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        layout.addWidget(box)
        fit_to_screen(self, QSize(760, sections.sizeHint().height() + 120))  # every section, if there is room

    def _national_box(self, settings: ServiceSettings) -> QGroupBox:
        """The national numbers: defaults (triage.settings NATIONAL_CONTACTS), each with its source."""
        national = QGroupBox("National numbers on the patient copy (defaults, each with its source)")
        form = QFormLayout(national)
        self.national = _text_box("National numbers", contacts_text(settings.national_contacts), height=90)
        form.addRow("Na&tional", self.national)
        restore = QPushButton("&Restore the national defaults")
        restore.setAccessibleName("Restore the national defaults")
        restore.clicked.connect(lambda: self.national.setPlainText(contacts_text(NATIONAL_CONTACTS)))
        form.addRow("", restore)
        help_text = QLabel(f"<small>{escape(NATIONAL_HELP)}</small>")
        help_text.setWordWrap(True)
        form.addRow("", help_text)
        return national

    def _show_directory(self) -> None:
        count = len(list_practices(self.store))
        self.directory_count.setText(f"{count} practice{'s' if count != 1 else ''} in the directory")

    def import_directory(self, path: str | None = None) -> None:
        if not path:
            path, _ = QFileDialog.getOpenFileName(self, "GP practice directory (CSV)", "", "CSV files (*.csv)")
        if not path:
            return
        try:
            count = import_practices_csv(self.store, self.user, Path(path))
        except InvalidInput as exc:
            self._problems(["The directory was not imported:"] + exc.problems)
        except StoreError as exc:
            self._problems([f"The directory was not imported: {exc}"])
        else:
            self.problems.setVisible(False)
            self.directory_count.setText(f"Imported {count} practices. ")
            self._show_directory()

    def choose_ruleset(self, path: str | None = None) -> None:
        if not path:
            path, _ = QFileDialog.getOpenFileName(self, "Ruleset file", "", "Rulesets (*.yaml *.yml)")
        if not path:
            return
        try:
            chosen = read_ruleset_file(path)  # validated in full before it can be chosen
        except RulesetError as exc:
            self._problems(["That ruleset cannot be used:"] + exc.problems)
            return
        self._set_ruleset(chosen)

    def _set_ruleset(self, chosen: RulesetText | None) -> None:
        self.chosen_ruleset = chosen
        self.ruleset_sha256 = chosen.ruleset.sha256 if chosen is not None else None
        self.problems.setVisible(False)
        if chosen is None:
            self.ruleset_info.setText("The shipped ruleset will be used from the next start of triage.")
        else:
            self._describe_ruleset(chosen.ruleset, note="Chosen; the store keeps its text once saved, and every "
                                   "computer uses it from the next start of triage.")  # fmt: skip

    def _describe_ruleset(self, ruleset: Ruleset, note: str) -> None:
        draft = (
            "<br><b>⚠ DRAFT: not approved for clinical use; a banner shows on every screen.</b>"
            if ruleset.is_draft
            else ""
        )
        self.ruleset_info.setText(
            f"<b>{escape(ruleset.document.title)}</b> — id {escape(ruleset.id)}, version {escape(ruleset.version)}, "
            f"status {escape(ruleset.status)}<br>sha256 {ruleset.sha256}<br>{escape(ruleset.origin)}{draft}"
            + (f"<br>{escape(note)}" if note else "")
        )

    def _problems(self, lines: list[str]) -> None:
        self.problems.setText("<br>".join(escape(line) for line in lines))
        self.problems.setVisible(bool(lines))

    def accept(self) -> None:
        data = {
            "service_name": self.name.text(),
            "address_lines": [line for line in self.address.toPlainText().splitlines() if line.strip()],
            "phone": self.phone.text(),
            "crisis_contacts": parse_contacts(self.crisis.toPlainText()),
            "duty_contacts": parse_contacts(self.duty.toPlainText()),
            "national_contacts": parse_contacts(self.national.toPlainText()),
            "ruleset_sha256": self.ruleset_sha256,
            "idle_lock_minutes": self.idle_minutes.value(),
            "small_number_threshold": self.small_numbers.value(),
            "wait_targets": self.waits.value(),
            **self.conditions.value(),
        }
        try:  # everything is checked before anything is saved
            settings = ServiceSettings.model_validate(data)
            computer = ComputerSettings.model_validate(
                {**self.computer.model_dump(), "scheduled_backup": self.backups.value()}
            )
        except ValidationError as exc:
            self._problems([self.waits.explain(problem) for problem in problems_of(exc)])
            return
        prefix = self.prefix.text().strip()
        if problems := ([BAD_PREFIX] if not PREFIX.fullmatch(prefix) else []) + folder_problems(
            computer.scheduled_backup
        ):
            self._problems(problems)
            return
        try:
            save_service_settings(self.store, self.user, settings, ruleset=self.chosen_ruleset)
            save_computer_settings(self.store, self.user, computer, self.settings_file)
            if prefix != self.prefix_shown:
                set_reference_prefix(self.store, self.user, prefix)
        except StoreError as exc:
            self._problems([f"The settings were not saved: {exc}"])
            return
        self.saved_settings = settings
        super().accept()
