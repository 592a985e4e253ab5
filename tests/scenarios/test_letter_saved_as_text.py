"""A letter saved as plain text for someone using a screen reader (issue 14, item 8: the untagged PDF
does not serve them), through the real letter dialog by keyboard: Ctrl+Shift+S (and Alt+T) write the
letter's own plain text to the file chosen, recorded as a save and audited as one, "as plain text"."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from tests.keys import press
from tests.scenarios.clinical import CTRL, letter_text, to
from tests.store.test_decisions import HIGH_COMPLEXITY
from tests.store.test_letters_store import decided, letter_events
from tests.ui.conftest import SETTINGS
from tests.users import PWP
from triage.services import decided_referral, get_referral, letters_sent
from triage.ui.letter_dialog import LetterDialog

SHIFT = Qt.KeyboardModifier.ShiftModifier
ALT = Qt.KeyboardModifier.AltModifier


def open_dialog(qtbot, store, referral_id: str) -> LetterDialog:  # type: ignore[no-untyped-def]
    dialog = LetterDialog(store, decided_referral(store, PWP, referral_id), settings=SETTINGS, user=PWP,
                          letter_date=date(2025, 3, 3))  # fmt: skip
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    return dialog


@pytest.fixture
def chosen(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    """The file chooser answers with the name offered, in tmp_path; the PDF chooser and the printer
    must not open. Returns the names offered."""
    offered: list[str] = []

    def choose_text_file(self: LetterDialog, name: str) -> Path:
        offered.append(name)
        return tmp_path / name

    def refuse(*_args: object) -> None:
        raise AssertionError("only the text file chooser may open")

    monkeypatch.setattr(LetterDialog, "choose_text_file", choose_text_file)
    monkeypatch.setattr(LetterDialog, "choose_file", refuse)
    monkeypatch.setattr(LetterDialog, "choose_printer", refuse)
    monkeypatch.setattr(LetterDialog, "inform", lambda self, title, message: pytest.fail(f"{title}: {message}"))
    return offered


def test_the_patient_copy_saved_as_text_by_keyboard_is_the_letter_in_words_and_recorded(  # type: ignore[no-untyped-def]
    qtbot, store, chosen, tmp_path
) -> None:
    referral_id, decision_id = decided(store, HIGH_COMPLEXITY)
    dialog = open_dialog(qtbot, store, referral_id)
    letter_text(qtbot, dialog, "patient")
    letter = dialog.letter
    assert letter is not None
    to(qtbot, dialog.kind)
    with qtbot.waitSignal(dialog.sent, timeout=10_000):
        press(qtbot, Qt.Key.Key_S, CTRL | SHIFT)
    assert chosen == [f"letter-patient-{referral_id}.txt"]  # the referral id: no name in a file name
    saved = (tmp_path / chosen[0]).read_text(encoding="utf-8")
    assert saved == letter.plain_text
    for paragraph in letter.paragraphs:  # every paragraph, in reading order, with nothing of the PDF
        assert paragraph in saved
    assert saved.index(letter.paragraphs[0]) < saved.index(letter.paragraphs[-1])
    assert [(r.kind, r.event, r.sha256) for r in letters_sent(store, PWP, decision_id)] == [
        ("patient", "saved", letter.sha256)
    ]
    audit = letter_events(store)[-1]
    text_hash = hashlib.sha256(saved.encode("utf-8")).hexdigest()
    assert audit.summary.startswith(f"patient copy saved as plain text (text sha256 {text_hash})")
    person = get_referral(store, PWP, referral_id).person
    for identifier in (person.family_name, person.given_name, person.nhs_number):
        assert identifier not in audit.summary
    assert dialog.notice.text() == "Patient copy saved as text and recorded."


def test_alt_t_saves_the_gp_letter_as_text_and_moves_the_referral_to_letter_sent(  # type: ignore[no-untyped-def]
    qtbot, store, chosen, tmp_path
) -> None:
    referral_id, decision_id = decided(store, HIGH_COMPLEXITY)
    dialog = open_dialog(qtbot, store, referral_id)
    assert dialog.letter is not None and dialog.letter.kind == "gp"
    assert dialog.text_button.accessibleName() == "Save as text" and dialog.text_button.isEnabled()
    to(qtbot, dialog.kind)
    with qtbot.waitSignal(dialog.sent, timeout=10_000):
        press(qtbot, Qt.Key.Key_T, ALT)
    assert (tmp_path / f"letter-gp-{referral_id}.txt").read_text(encoding="utf-8") == dialog.letter.plain_text
    assert [(r.kind, r.event) for r in letters_sent(store, PWP, decision_id)] == [("gp", "saved")]
    assert get_referral(store, PWP, referral_id).status == "letter_sent"  # a GP letter saved, as a PDF's would
