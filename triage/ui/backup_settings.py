"""The Settings dialog's "Scheduled backups (this computer)" section (issue 13 item 11): when (off,
every Nth close, daily), the folder, how many to keep, and the last outcome. An admin changes them;
anyone else sees them read-only. The schedule itself is ``triage.settings.BackupSchedule``; running
it at close is ``triage.services.scheduled_backup``."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from triage.services.scheduled_backup import describe, load_state
from triage.settings import BackupSchedule

WHEN = (("off", "Off"), ("closes", "Every few closes of triage"), ("daily", "Daily (the first close after 24 hours)"))


def _spin(low: int, high: int, value: int, suffix: str, name: str) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(low, high)
    spin.setValue(value)
    spin.setSuffix(suffix)
    spin.setAccessibleName(name)
    return spin


class BackupSection(QGroupBox):
    def __init__(self, schedule: BackupSchedule, *, editable: bool, settings_file: Path | None = None,
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__("Scheduled backups (this computer)", parent)
        form = QFormLayout(self)
        self.when = QComboBox()
        self.when.setAccessibleName("Scheduled backups")
        for value, text in WHEN:
            self.when.addItem(text, value)
        self.when.setCurrentIndex([value for value, _ in WHEN].index(schedule.when))
        self.every = _spin(1, 100, schedule.every_closes, " closes", "Back up on every this many closes")
        self.folder = QLineEdit(schedule.folder)
        self.folder.setAccessibleName("Folder the scheduled backups go to")
        self.folder.setPlaceholderText("a folder on this computer or a drive attached to it")
        choose = QPushButton("C&hoose folder…")
        choose.setAccessibleName("Choose the backup folder")
        choose.clicked.connect(self.choose_folder)
        row = QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(choose)
        self.keep = _spin(1, 365, schedule.keep, " backups", "Keep this many scheduled backups")
        form.addRow("&Back up", self.when)
        form.addRow("&Every", self.every)
        folder_label = QLabel("F&older")
        folder_label.setBuddy(self.folder)  # a row of two widgets: the key goes to the folder's text
        form.addRow(folder_label, row)
        form.addRow("&Keep the newest", self.keep)
        self.last = QLabel(describe(load_state(settings_file)))
        self.last.setWordWrap(True)
        self.last.setAccessibleName("Last scheduled backup")
        form.addRow(self.last)
        note = "Made as triage closes, verified; a close waits for it to finish."
        if not editable:
            note += " Only an admin can change these."
        form.addRow(QLabel(f"<small>{note}</small>"))
        for widget in (self.when, self.every, self.folder, self.keep, choose):
            widget.setEnabled(editable)
        self.when.currentIndexChanged.connect(self._show_every)
        self._show_every()

    def _show_every(self) -> None:
        self.every.setEnabled(self.when.isEnabled() and self.when.currentData() == "closes")

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder for scheduled backups", self.folder.text())
        if folder:
            self.folder.setText(folder)

    def value(self) -> dict[str, object]:
        """What the section holds, for ``ServiceSettings.model_validate``."""
        return {"when": self.when.currentData(), "every_closes": self.every.value(), "folder": self.folder.text(),
                "keep": self.keep.value()}  # fmt: skip
