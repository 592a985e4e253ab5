"""The main window. For now it shows the referral matrix in force; the screening workspace comes next."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHeaderView, QLabel, QMainWindow, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from triage.rules.ruleset import Ruleset
from triage.rules.vocabulary import LEVELS


class MainWindow(QMainWindow):
    def __init__(self, ruleset: Ruleset) -> None:
        super().__init__()
        self.ruleset = ruleset
        doc = ruleset.document
        self.setWindowTitle(f"triage — {doc.title}")
        self.resize(1100, 640)

        central = QWidget(self)
        layout = QVBoxLayout(central)
        if ruleset.is_draft:
            banner = QLabel("DRAFT RULESET — not approved for clinical use")
            banner.setAccessibleName("Draft ruleset warning")
            banner.setStyleSheet("background:#fff3cd; color:#5c4400; padding:8px; font-weight:bold;")
            layout.addWidget(banner)
        heading = QLabel(f"<h2>{doc.title}</h2>")
        heading.setAccessibleName("Ruleset title")
        layout.addWidget(heading)

        self.matrix = QTableWidget(len(doc.variables), len(LEVELS), central)
        self.matrix.setAccessibleName("Referral matrix: destination for each variable and rating")
        self.matrix.setHorizontalHeaderLabels([doc.levels[level] for level in LEVELS])
        self.matrix.setVerticalHeaderLabels([variable.label for variable in doc.variables])
        self.matrix.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.matrix.setWordWrap(True)
        self.matrix.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        for row, variable in enumerate(doc.variables):
            for column, level in enumerate(LEVELS):
                labels = " / ".join(ruleset.destination_labels[c] for c in ruleset.cell_destinations[(variable.id, level)])
                item = QTableWidgetItem(labels)
                item.setToolTip(variable.definitions[level])
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.matrix.setItem(row, column, item)
        self.matrix.resizeRowsToContents()
        layout.addWidget(self.matrix)
        self.setCentralWidget(central)

        status = f"Ruleset {doc.id} {doc.version} ({doc.status}) · sha256 {ruleset.sha256[:12]}…"
        self.statusBar().showMessage(status)
