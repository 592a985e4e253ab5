"""The offer, at an admin's first login on a computer whose settings file still holds service values
(from before they were kept in the store), to import them: one check box per field whose value here
differs from the store's, both values shown, the suggested choice ticked. Tab moves between the boxes,
Space ticks or clears one, Return imports what is ticked, Escape keeps the store's values. Either
answer is recorded on this computer (``triage.services.settings_import``) and not asked again."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QSize
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from triage.services.permissions import User
from triage.services.settings_import import ImportOffer, answer_import_offer, import_offer
from triage.settings import SettingsError
from triage.store.database import Store
from triage.store.errors import StoreError
from triage.ui.fit import fit_to_screen, follow_focus

INTRO = (
    "This computer's settings file holds service settings from before they were kept in the store. "
    "Where they differ from the store's, tick the ones to take into the store; the others keep the "
    "store's value. Every computer that opens this store then uses the result. You are asked once on "
    "this computer."
)


class SettingsImportDialog(QDialog):
    def __init__(self, offer: ImportOffer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.offer = offer
        self.setWindowTitle("Import this computer's settings into the store")
        self.setObjectName("settings-import")
        outer = QVBoxLayout(self)
        intro = QLabel(INTRO)
        intro.setWordWrap(True)
        outer.addWidget(intro)
        fields = QWidget()
        column = QVBoxLayout(fields)
        self.choices: dict[str, QCheckBox] = {}
        for difference in offer.differences:
            box = QCheckBox(f"Take this computer's {difference.label.lower()}")
            box.setAccessibleName(f"Take this computer's {difference.label.lower()}")
            box.setChecked(difference.suggest_computer and difference.available)
            box.setEnabled(difference.available)
            both = QLabel(f"<b>This computer:</b> {escape(difference.computer)}<br>"
                          f"<b>The store:</b> {escape(difference.store)}")  # fmt: skip
            both.setWordWrap(True)
            both.setIndent(24)
            box.setAccessibleDescription(f"This computer: {difference.computer}. The store: {difference.store}.")
            column.addWidget(box)
            column.addWidget(both)
            self.choices[difference.name] = box
        column.addStretch(1)
        area = QScrollArea()
        area.setWidget(fields)
        area.setWidgetResizable(True)
        area.setFrameShape(QScrollArea.Shape.NoFrame)
        follow_focus(area)
        outer.addWidget(area, 1)
        buttons = QDialogButtonBox()
        take = buttons.addButton("&Import the ticked values", QDialogButtonBox.ButtonRole.AcceptRole)
        take.setAccessibleName("Import the ticked values")
        take.setDefault(True)
        keep = buttons.addButton("&Keep the store's values", QDialogButtonBox.ButtonRole.RejectRole)
        keep.setAccessibleName("Keep the store's values")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        outer.addWidget(buttons)
        fit_to_screen(self, QSize(720, fields.sizeHint().height() + 200))
        first = next((box for box in self.choices.values() if box.isEnabled()), None)
        (first or take).setFocus()

    def chosen(self) -> list[str]:
        return [name for name, box in self.choices.items() if box.isEnabled() and box.isChecked()]


def offer_settings_import(store: Store, user: User, parent: QWidget | None = None) -> bool:
    """Make the offer if there is one for this admin here; True when something was imported. A file whose
    values do not validate is named to the admin and offered again next time; others hear nothing."""
    try:
        offer = import_offer(store, user)
    except (SettingsError, StoreError) as exc:
        QMessageBox.warning(parent, "Settings not imported",
                            f"This computer's settings file has problems; its service settings were not offered "
                            f"for import:\n\n{exc}")  # fmt: skip
        return False
    if offer is None:
        return False
    dialog = SettingsImportDialog(offer, parent)
    accepted = dialog.exec() == QDialog.DialogCode.Accepted
    take = dialog.chosen() if accepted else []
    dialog.deleteLater()
    try:
        return bool(answer_import_offer(store, user, offer, take))
    except (StoreError, SettingsError) as exc:
        QMessageBox.warning(parent, "Settings not imported", f"The settings were not imported: {exc}")
        return False
