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


# --- the wait targets and the lists of conditions (issue 15, items 3 and 7) --------------------------


def store_dialog(qtbot, store, tmp_path: Path) -> SettingsDialog:
    """The dialog as the app opens it: showing the store's settings, so a save changes only what is typed."""
    dialog = SettingsDialog(store, RULESET, service_settings(store), ADMIN, settings_file=tmp_path / "settings.json")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()  # the keys typed go where the focus is, as a person's do
    qtbot.waitUntil(dialog.isActiveWindow)
    return dialog


def settings_trail(store) -> list[tuple[str, str, str]]:
    from triage.store.audit import events_for

    with store.read() as session:
        return [(e.actor, e.action, e.summary) for e in events_for(session, "database", "settings")]


def type_in_cell(qtbot, table, row: int, column: int, text: str) -> None:
    """As a person does: to the cell, F2 (its editor, the text selected), the text, Return."""
    from PySide6.QtCore import Qt

    from tests.keys import focused

    table.window().activateWindow()
    qtbot.waitUntil(table.window().isActiveWindow)
    table.setFocus()
    table.setCurrentCell(row, column)
    qtbot.keyClick(table, Qt.Key.Key_F2)
    editor = focused()
    assert editor is not table and table.isAncestorOf(editor)
    qtbot.keyClick(editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: table.item(row, column).text() == text)  # the delegate commits it queued


def test_a_targets_days_typed_in_the_table_are_saved_with_its_label_and_audited_by_name(qtbot, store, tmp_path):
    dialog = store_dialog(qtbot, store, tmp_path)
    table = dialog.waits.table
    assert table.rowCount() == 4 and table.item(0, 0).text() == "Referral to assessment within 3 days"
    type_in_cell(qtbot, table, 0, 2, "5")
    assert table.item(0, 0).text() == "Referral to assessment within 5 days"  # the label follows the days it names
    dialog.waits.clock.setCurrentIndex(1)  # the clock starts at opt-in
    dialog.accept()
    assert dialog.saved_settings is not None, dialog.problems.text()
    targets = service_settings(store).wait_targets
    first = targets.targets[0]
    assert (first.code, first.days, first.label, targets.opt_in_clock) == (
        "assessment_3_days", 5, "Referral to assessment within 5 days", True)  # fmt: skip
    assert targets.targets[1:] == ServiceSettings().wait_targets.targets[1:]  # the others as they were
    assert settings_trail(store)[-1] == (ADMIN.username, "update", "changed: wait_targets")


def test_days_out_of_range_or_not_a_number_are_named_and_nothing_is_saved(qtbot, store, tmp_path):
    dialog = store_dialog(qtbot, store, tmp_path)
    table = dialog.waits.table
    type_in_cell(qtbot, table, 1, 2, "0")
    type_in_cell(qtbot, table, 2, 2, "six")
    dialog.accept()
    text = dialog.problems.text()
    assert dialog.saved_settings is None and dialog.problems.isVisible()
    assert ("Wait target 2 (Referral or opt-in to treatment in under 28 days), days: Input should be greater than or "
            "equal to 1 (a whole number of days from 1 to 730)") in text  # fmt: skip
    assert "Wait target 3 (Referral to treatment within 6 weeks" in text and "valid integer" in text
    assert service_settings(store) == ServiceSettings() and settings_trail(store) == []


def test_a_local_target_needs_its_source_is_added_by_keyboard_and_one_is_removed(qtbot, store, tmp_path):
    from PySide6.QtCore import Qt

    dialog = store_dialog(qtbot, store, tmp_path)
    waits = dialog.waits
    waits.new_label.setFocus()
    qtbot.keyClicks(waits.new_label, "Referral to first contact within 5 days")
    qtbot.keyClick(waits.new_label, Qt.Key.Key_Return)  # adds (rather than saving the dialog without it)
    assert dialog.isVisible() and dialog.saved_settings is None
    assert "new target, source: String should have at least 1 character" in dialog.problems.text()
    assert waits.table.rowCount() == 4 and waits.new_source.hasFocus()  # to the field that is missing
    waits.new_days.setFocus()
    qtbot.keyClick(waits.new_days, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(waits.new_days, "5")
    qtbot.keyClick(waits.new_days, Qt.Key.Key_Return)  # adds too: still no source, still not saved
    assert dialog.isVisible() and dialog.saved_settings is None and waits.table.rowCount() == 4
    qtbot.keyClicks(waits.new_source, "Service specification 2026, section 4")
    qtbot.keyClick(waits.new_source, Qt.Key.Key_Return)
    assert waits.table.rowCount() == 5 and not dialog.problems.isVisible()
    assert "Service specification 2026, section 4" in waits.source.text()  # shown with the source typed
    waits.table.setCurrentCell(3, 2)  # the 18-week national standard
    waits.remove.click()
    dialog.accept()
    saved = service_settings(store).wait_targets.targets
    assert [t.code for t in saved] == ["assessment_3_days", "treatment_28_days", "national_6_weeks",
                                       "local_referral_to_first_contact"]  # fmt: skip
    own = saved[-1]
    assert (own.label, own.measure, own.days, own.within, own.clock, own.source, own.verified) == (
        "Referral to first contact within 5 days", "first_contact", 5, "at_most", "received",
        "Service specification 2026, section 4", False)  # fmt: skip


def test_the_shipped_targets_and_lists_are_restored(qtbot, store, tmp_path):
    from PySide6.QtWidgets import QPushButton

    from triage.services.service_settings import save_service_settings

    shipped = ServiceSettings()
    own = shipped.model_copy(update={"wait_targets": shipped.wait_targets.model_copy(
        update={"targets": shipped.wait_targets.targets[:1], "opt_in_clock": True}),
        "long_term_conditions": ("Diabetes",), "medically_unexplained_symptoms": ("IBS",)})  # fmt: skip
    save_service_settings(store, ADMIN, own)
    dialog = SettingsDialog(store, RULESET, own, ADMIN, settings_file=tmp_path / "settings.json")
    qtbot.addWidget(dialog)
    assert dialog.waits.table.rowCount() == 1 and dialog.waits.clock.currentIndex() == 1
    buttons = {b.accessibleName(): b for b in dialog.findChildren(QPushButton)}
    buttons["Restore the shipped wait targets"].click()
    buttons["Restore the shipped lists of conditions"].click()
    dialog.accept()
    assert service_settings(store) == shipped


def test_the_lists_of_conditions_are_typed_one_per_line_and_checked_whole(qtbot, store, tmp_path):
    from PySide6.QtCore import Qt

    dialog = store_dialog(qtbot, store, tmp_path)
    ltc = dialog.conditions.ltc
    ltc.setFocus()
    qtbot.keyClick(ltc, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(ltc, Qt.Key.Key_Return)
    qtbot.keyClicks(ltc, "asthma")  # already listed, as "Asthma"
    dialog.accept()
    assert "long_term_conditions: each entry once; repeated: asthma" in dialog.problems.text()
    assert service_settings(store) == ServiceSettings()  # nothing saved
    for _ in "asthma":
        qtbot.keyClick(ltc, Qt.Key.Key_Backspace)
    qtbot.keyClicks(ltc, "Coeliac disease")
    dialog.conditions.mus.setPlainText("")
    dialog.accept()
    assert "medically_unexplained_symptoms: at least one entry" in dialog.problems.text()
    dialog.conditions.mus.setPlainText("Irritable bowel syndrome (IBS)\n\n  Functional neurological disorder  \n")
    dialog.accept()
    saved = service_settings(store)
    assert saved.long_term_conditions == (*ServiceSettings().long_term_conditions, "Coeliac disease")
    assert saved.medically_unexplained_symptoms == (
        "Irritable bowel syndrome (IBS)",
        "Functional neurological disorder",
    )
    assert settings_trail(store)[-1] == (
        ADMIN.username,
        "update",
        "changed: long_term_conditions, medically_unexplained_symptoms",
    )
    assert "Coeliac" not in str(settings_trail(store))  # field names, never values


def test_every_new_field_has_a_name_and_a_pwp_cannot_edit_them(qtbot, store, tmp_path):
    from PySide6.QtWidgets import QComboBox, QLineEdit, QPlainTextEdit, QPushButton, QSpinBox, QTableWidget

    from tests.users import PWP

    dialog = SettingsDialog(store, RULESET, SETTINGS, PWP, settings_file=tmp_path / "settings.json")
    qtbot.addWidget(dialog)
    kinds = (QComboBox, QLineEdit, QPlainTextEdit, QPushButton, QSpinBox, QTableWidget)
    fields = [w for part in (dialog.waits, dialog.conditions) for kind in kinds for w in part.findChildren(kind)
              if not isinstance(w.parent(), QSpinBox | QComboBox)]  # fmt: skip
    assert len(fields) >= 14
    assert all(w.accessibleName() for w in fields), [type(w).__name__ for w in fields if not w.accessibleName()]
    assert not any(w.isEnabled() for w in fields)


def test_the_small_number_threshold_is_typed_saved_and_a_pwp_cannot_change_it(qtbot, store, tmp_path):
    from PySide6.QtCore import Qt

    from tests.users import PWP

    dialog, _ = make_dialog(qtbot, store, tmp_path)
    spin = dialog.small_numbers
    assert spin.value() == 5 and spin.text() == "fewer than 5 people"  # the default, in words
    spin.setFocus()
    qtbot.keyClick(spin, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(spin, "10")
    qtbot.keyClick(spin, Qt.Key.Key_Return)  # Save
    assert dialog.saved_settings is not None, dialog.problems.text()
    assert service_settings(store).small_number_threshold == 10
    theirs = SettingsDialog(store, RULESET, SETTINGS, PWP, settings_file=tmp_path / "pwp.json")
    qtbot.addWidget(theirs)
    assert not theirs.small_numbers.isEnabled()
