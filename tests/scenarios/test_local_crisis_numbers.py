"""Issue 14, item 9, typed into the real Settings dialog: the service admin sees the national numbers
(999, 111, Samaritans) with their sources, types the service's own crisis and duty numbers and one
more national number, and saves with the keyboard; the patient copy then prints the local numbers
first and the national ones after them. "Restore the national defaults" puts the defaults back."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt

from tests.keys import press
from tests.scenarios.clinical import to
from tests.store.test_letters_store import SCREENER, decided
from tests.ui.conftest import RULESET
from tests.users import ADMIN, PWP
from triage.services import letter_for_decision
from triage.services.letters import letterhead
from triage.services.service_settings import service_settings
from triage.settings import NATIONAL_CONTACTS, ServiceSettings
from triage.ui.settings_dialog import SettingsDialog, contacts_text

CRISIS = "Doncaster mental health crisis line | 0800 804 8999 | 24 hours"
DUTY = "Duty practitioner | 01302 555 0199 | 9am to 5pm weekdays"
SHOUT = "Shout, by text message | 85258 | 24 hours | Shout: giveusashout.org"


def test_the_admin_types_local_numbers_and_the_patient_copy_prints_them_first(qtbot, store, tmp_path: Path):  # type: ignore[no-untyped-def]
    target = tmp_path / "settings.json"
    dialog = SettingsDialog(store, RULESET, ServiceSettings(), ADMIN, settings_file=target)
    qtbot.addWidget(dialog)
    dialog.show()
    shown = dialog.national.toPlainText()
    for contact in NATIONAL_CONTACTS:  # each default, with where it comes from
        assert f"{contact.name} | {contact.phone} | {contact.hours} | {contact.source}" in shown
    assert dialog.crisis.toPlainText() == ""  # no local numbers until the service types its own

    to(qtbot, dialog.crisis)
    qtbot.keyClicks(dialog.crisis, CRISIS)
    press(qtbot, Qt.Key.Key_Tab)  # the boxes pass Tab on, as a form does
    assert dialog.duty.hasFocus()
    qtbot.keyClicks(dialog.duty, DUTY)
    to(qtbot, dialog.national)
    qtbot.keyClick(dialog.national, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(dialog.national, Qt.Key.Key_Return)
    qtbot.keyClicks(dialog.national, SHOUT)
    to(qtbot, dialog.phone)
    press(qtbot, Qt.Key.Key_Return)  # Save
    assert dialog.saved_settings is not None, dialog.problems.text()
    saved = service_settings(store)
    assert [c.phone for c in saved.crisis_contacts + saved.duty_contacts] == ["0800 804 8999", "01302 555 0199"]
    assert saved.national_contacts[:3] == NATIONAL_CONTACTS
    assert (saved.national_contacts[3].phone, saved.national_contacts[3].source) == ("85258", "Shout: giveusashout.org")

    _, decision_id = decided(store)
    letter = letter_for_decision(store, PWP, decision_id, "patient", screener=SCREENER, service=letterhead(saved),
                                 letter_date=date(2025, 3, 3))  # fmt: skip
    patient = " ".join(letter.paragraphs)
    order = [patient.index(words) for words in (
        "Doncaster mental health crisis line: 0800 804 8999 (24 hours)",
        "Duty practitioner: 01302 555 0199 (9am to 5pm weekdays)",
        *(f"{c.name}: {c.phone}" for c in NATIONAL_CONTACTS),
        "Shout, by text message: 85258 (24 hours)",
    )]  # fmt: skip
    assert order == sorted(order)  # local first, then the national ones, in the order set
    assert "giveusashout.org" not in patient  # the source is for the admin, not printed


def test_restore_puts_the_national_defaults_back(qtbot, store, tmp_path: Path):  # type: ignore[no-untyped-def]
    dialog = SettingsDialog(store, RULESET, ServiceSettings(), ADMIN, settings_file=tmp_path / "settings.json")
    qtbot.addWidget(dialog)
    dialog.show()
    to(qtbot, dialog.national)
    qtbot.keyClick(dialog.national, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(dialog.national, Qt.Key.Key_Delete)
    to(qtbot, dialog.phone)
    press(qtbot, Qt.Key.Key_Return)  # Save, with no national number: refused, naming the field
    assert dialog.saved_settings is None and "national_contacts" in dialog.problems.text()
    press(qtbot, Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)  # Restore the national defaults
    qtbot.waitUntil(lambda: dialog.national.toPlainText() == contacts_text(NATIONAL_CONTACTS))
