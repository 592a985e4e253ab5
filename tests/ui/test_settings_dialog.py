"""Settings as a service admin uses them: validated before saving, nothing half-saved; the service's
kept in the store, this computer's (the scheduled backup) in its settings file."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.users import ADMIN
from triage.resources import resource_path
from triage.services.references import reference_prefix
from triage.services.service_settings import ruleset_in_force, service_settings
from triage.settings import ServiceSettings
from triage.ui.settings_dialog import SettingsDialog

from .conftest import RULESET, SETTINGS


def make_dialog(qtbot, store, tmp_path: Path) -> tuple[SettingsDialog, Path]:
    target = tmp_path / "settings.json"
    dialog = SettingsDialog(store, RULESET, SETTINGS, ADMIN, settings_file=target)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog, target


def test_saving_writes_every_field_including_the_idle_lock(qtbot, store, tmp_path):
    dialog, target = make_dialog(qtbot, store, tmp_path)
    dialog.name.setText("Doncaster Talking Therapies")
    dialog.address.setPlainText("1 Example Street\nDoncaster\nDN1 1AA")
    dialog.crisis.setPlainText("Crisis team | 0800 000 0000 | 24 hours")
    dialog.duty.setPlainText("Duty PWP | 01302 000 001")
    dialog.idle_minutes.setValue(10)
    dialog.accept()
    saved = service_settings(store)  # in the store, not in this computer's file
    assert saved.service_name == "Doncaster Talking Therapies"
    assert saved.address_lines == ("1 Example Street", "Doncaster", "DN1 1AA")
    assert [(c.name, c.phone, c.hours) for c in saved.crisis_contacts] == [("Crisis team", "0800 000 0000", "24 hours")]
    assert [(c.name, c.phone) for c in saved.duty_contacts] == [("Duty PWP", "01302 000 001")]
    assert saved.idle_lock_minutes == 10
    assert dialog.saved_settings == saved
    assert not target.exists()  # nothing of this computer's own changed: its file is not written


def test_an_invalid_contact_is_named_and_nothing_is_saved(qtbot, store, tmp_path):
    dialog, target = make_dialog(qtbot, store, tmp_path)
    dialog.crisis.setPlainText("Crisis team without a number")
    dialog.accept()
    assert dialog.problems.isVisible() and "crisis_contacts[0].phone" in dialog.problems.text()
    assert not target.exists() and dialog.saved_settings is None
    assert service_settings(store) == ServiceSettings()  # nothing written to the store either


def test_a_ruleset_is_validated_before_it_can_be_chosen(qtbot, store, tmp_path):
    dialog, target = make_dialog(qtbot, store, tmp_path)
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: [unclosed\n", encoding="utf-8")
    dialog.choose_ruleset(str(broken))
    assert "cannot be used" in dialog.problems.text() and dialog.chosen_ruleset is None
    document = yaml.safe_load(resource_path("rules", "doncaster-2007.yaml").read_text(encoding="utf-8"))
    document.pop("sha256")
    document["status"] = "draft"
    draft = tmp_path / "draft.yaml"
    draft.write_text(yaml.safe_dump(document), encoding="utf-8")
    dialog.choose_ruleset(str(draft))
    assert dialog.chosen_ruleset is not None and "DRAFT" in dialog.ruleset_info.text()
    dialog.accept()
    draft.unlink()  # the store keeps the text: the file is not needed again, here or on another computer
    in_force = ruleset_in_force(store, service_settings(store))
    assert in_force.is_draft and in_force.sha256 == dialog.chosen_ruleset.ruleset.sha256


def test_the_gp_directory_imports_from_csv_and_a_bad_row_imports_nothing(qtbot, store, tmp_path):
    dialog, _ = make_dialog(qtbot, store, tmp_path)
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name\nC84001,Example Surgery\nNOT-A-CODE,Another\n", encoding="utf-8")
    dialog.import_directory(str(bad))
    assert "row 3: code" in dialog.problems.text()
    assert dialog.directory_count.text().startswith("0 practices")
    good = tmp_path / "good.csv"
    good.write_text("code,name,address,gp_names\nC84001,Example Surgery,2 Example Street;Doncaster,Dr A Example\n",
                    encoding="utf-8")  # fmt: skip
    dialog.import_directory(str(good))
    assert dialog.directory_count.text().endswith("1 practice in the directory")


def test_an_access_key_brings_its_field_into_view_at_1280_by_720(qtbot, store, tmp_path):
    # Seen under Xvfb at 1280x720: Alt+K focused the backups' "Keep the newest" below the fold, and
    # the dialog did not scroll to it, so the person typed into a field they could not see.
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtWidgets import QApplication, QScrollArea

    dialog, _ = make_dialog(qtbot, store, tmp_path)
    dialog.resize(740, 600)  # what fits a 1280x720 screen less its taskbar and title bar
    area = dialog.findChild(QScrollArea)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    keep = dialog.backups.keep
    top = keep.mapTo(area.viewport(), QPoint(0, 0)).y()
    assert top > area.viewport().height(), "the test needs the field below the fold"
    qtbot.keyClick(dialog, Qt.Key.Key_K, Qt.KeyboardModifier.AltModifier)
    assert QApplication.focusWidget() is keep
    top = keep.mapTo(area.viewport(), QPoint(0, 0)).y()
    assert top >= 0 and top + keep.height() <= area.viewport().height()


def test_one_minute_reads_one_minute(qtbot, store, tmp_path):
    from PySide6.QtCore import Qt

    dialog, _ = make_dialog(qtbot, store, tmp_path)
    spin = dialog.idle_minutes
    spin.setFocus()
    qtbot.keyClick(spin, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(spin, "1")
    assert spin.value() == 1 and spin.text() == "1 minute"
    qtbot.keyClick(spin, Qt.Key.Key_Up)
    assert spin.text() == "2 minutes"


def test_the_reference_prefix_is_typed_checked_by_name_and_saved(qtbot, store, tmp_path):
    from PySide6.QtCore import Qt

    dialog, _ = make_dialog(qtbot, store, tmp_path)
    assert dialog.prefix.text() == "REF" and dialog.prefix.isEnabled()
    dialog.prefix.setFocus()
    qtbot.keyClick(dialog.prefix, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(dialog.prefix, "do1")
    qtbot.keyClick(dialog.prefix, Qt.Key.Key_Return)  # Save
    assert dialog.saved_settings is None
    assert "reference prefix: must be three capital letters A to Z" in dialog.problems.text()
    assert reference_prefix(store) == "REF" and service_settings(store) == ServiceSettings()  # nothing half-saved
    qtbot.keyClick(dialog.prefix, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(dialog.prefix, "DON")
    qtbot.keyClick(dialog.prefix, Qt.Key.Key_Return)
    assert dialog.saved_settings is not None, dialog.problems.text()
    assert reference_prefix(store) == "DON"


def test_a_pwp_cannot_change_the_prefix(qtbot, store, tmp_path):
    from tests.users import PWP

    dialog = SettingsDialog(store, RULESET, SETTINGS, PWP, settings_file=tmp_path / "settings.json")
    qtbot.addWidget(dialog)
    assert not dialog.prefix.isEnabled()
