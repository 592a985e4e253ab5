"""The referral matrix in force, as a read-only table with each cell's definition: for a team
leader on a projector, or a screener checking what a rating means."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from triage.rules.ruleset import Ruleset
from triage.rules.vocabulary import LEVELS
from triage.ui.fit import fit_to_screen


class MatrixView(QDialog):
    def __init__(self, ruleset: Ruleset, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        doc = ruleset.document
        self.setWindowTitle(f"{doc.title} — {doc.id} {doc.version}")
        fit_to_screen(self, QSize(1100, 640))
        layout = QVBoxLayout(self)
        if ruleset.is_draft:
            banner = QLabel("DRAFT RULESET — not approved for clinical use")
            banner.setProperty("role", "banner")
            banner.setAccessibleName("Draft ruleset warning")
            layout.addWidget(banner)
        heading = QLabel(
            f"<h2>{doc.title}</h2>{doc.source.document}; {doc.source.author or ''}, {doc.source.dated or ''}"
        )
        heading.setWordWrap(True)
        layout.addWidget(heading)

        self.matrix = QTableWidget(len(doc.variables), len(LEVELS), self)
        self.matrix.setAccessibleName("Referral matrix: definition and destination for each variable and rating")
        self.matrix.setHorizontalHeaderLabels([doc.levels[level] for level in LEVELS])
        self.matrix.setVerticalHeaderLabels([variable.label for variable in doc.variables])
        self.matrix.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.matrix.setWordWrap(True)
        self.matrix.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        for row, variable in enumerate(doc.variables):
            for column, level in enumerate(LEVELS):
                labels = " / ".join(
                    ruleset.destination_labels[c] for c in ruleset.cell_destinations[(variable.id, level)]
                )
                item = QTableWidgetItem(f"{variable.definitions[level]}\n→ {labels}")
                item.setToolTip(variable.definitions[level])
                item.setTextAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
                self.matrix.setItem(row, column, item)
        self.matrix.resizeRowsToContents()
        layout.addWidget(self.matrix)
        footer = QLabel(f"Ruleset {doc.id} {doc.version} ({doc.status}) · sha256 {ruleset.sha256}")
        footer.setAccessibleName("Ruleset identity")
        footer.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(footer)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setAccessibleName("Close")
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
