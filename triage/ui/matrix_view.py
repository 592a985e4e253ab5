"""The referral matrix in force (Tools > The matrix in force, Ctrl+M): for a team leader on a projector,
or a screener checking what a rating means. The whole grid on one 1280x720 screen in large type
(``MatrixGrid``), any cell's full definition on request by keyboard, and the ruleset it is."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from triage.rules.ruleset import Ruleset
from triage.ui.fit import fit_to_screen
from triage.ui.matrix_grid import HEADING_PX, MatrixGrid, large_font

SIDE = 6  # px either side of the heading and the footer
KEYS_HINT = "Arrow keys move between cells · Return or Space shows a cell's full definition · Escape hides it"


class MatrixView(QDialog):
    def __init__(self, ruleset: Ruleset, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        doc = ruleset.document
        self.setWindowTitle(f"{doc.title} — {doc.id} {doc.version}")
        fit_to_screen(self, QSize(1280, 720))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 4)
        layout.setSpacing(4)
        if ruleset.is_draft:
            banner = QLabel("DRAFT RULESET — not approved for clinical use")
            banner.setProperty("role", "banner")
            banner.setAccessibleName("Draft ruleset warning")
            layout.addWidget(banner)
        top = QHBoxLayout()
        top.setContentsMargins(SIDE, 0, SIDE, 0)  # the grid alone takes the whole width
        self.heading = QLabel(doc.title)
        self.heading.setFont(large_font(self.font(), HEADING_PX, bold=True))
        self.heading.setAccessibleName(doc.title)
        top.addWidget(self.heading)
        self.keys_hint = QLabel(KEYS_HINT)
        self.keys_hint.setAccessibleName("Keys")
        top.addWidget(self.keys_hint, 1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom)
        layout.addLayout(top)
        self.grid = MatrixGrid(ruleset, self)
        layout.addWidget(self.grid, 1)
        footer_row = QHBoxLayout()
        footer_row.setContentsMargins(SIDE, 0, SIDE, 0)
        self.footer = QLabel(
            f"Source: {doc.source.document}; {doc.source.author or ''}, {doc.source.dated or ''}"
            f"<br>Ruleset {doc.id} {doc.version} ({doc.status}) · sha256 {ruleset.sha256}"
        )
        self.footer.setWordWrap(True)
        self.footer.setAccessibleName("Ruleset identity")
        self.footer.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        footer_row.addWidget(self.footer, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.close_button = buttons.button(QDialogButtonBox.StandardButton.Close)
        self.close_button.setAccessibleName("Close")
        buttons.rejected.connect(self.reject)
        footer_row.addWidget(buttons, 0, Qt.AlignmentFlag.AlignBottom)
        layout.addLayout(footer_row)
        self.grid.setFocus(Qt.FocusReason.OtherFocusReason)
