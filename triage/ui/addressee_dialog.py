"""Asked before a GP letter that names no GP leaves the service: which GP it goes to (one of the
practice's GPs in the directory, or a name typed), or, by an explicit choice that is recorded, the
practice. Keyboard: type or choose the GP and Return; Alt+P for the practice; Escape cancels."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


@dataclass(frozen=True, slots=True)
class Addressee:
    gp: str | None  # None: the practice, chosen on the record


class AddresseeDialog(QDialog):
    def __init__(self, practice_gps: tuple[str, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Who is the GP letter to?")
        self.choice: Addressee | None = None
        layout = QVBoxLayout(self)
        explain = QLabel(
            "The referral names no referring GP. Choose the GP this letter goes to, or type their name; "
            "or address it to the practice. What you choose is recorded on the referral."
        )
        explain.setWordWrap(True)
        layout.addWidget(explain)
        form = QFormLayout()
        self.gp = QComboBox()
        self.gp.setEditable(True)  # a GP the directory does not list yet can be typed
        self.gp.addItems(list(practice_gps))
        self.gp.setCurrentIndex(-1)
        self.gp.setEditText("")
        self.gp.setAccessibleName("Referring GP")
        form.addRow("Referring &GP", self.gp)
        layout.addLayout(form)
        self.problem = QLabel()
        self.problem.setProperty("role", "warning")
        self.problem.setAccessibleName("Problem with the GP")
        self.problem.setVisible(False)
        layout.addWidget(self.problem)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Address to this GP")
        ok.setAccessibleName("Address to this GP")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName("Cancel")
        self.to_practice = QPushButton("To the &practice (no GP named)")
        self.to_practice.setAccessibleName("To the practice, no GP named")
        self.to_practice.setAutoDefault(False)
        buttons.addButton(self.to_practice, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.to_practice.clicked.connect(self._practice)
        layout.addWidget(buttons)

    def accept(self) -> None:
        name = self.gp.currentText().strip()
        if not name:
            self.problem.setText("Type or choose the GP's name, or choose To the practice.")
            self.problem.setVisible(True)
            self.gp.setFocus()
            return
        self.choice = Addressee(name)
        super().accept()

    def _practice(self) -> None:
        self.choice = Addressee(None)
        super().accept()
