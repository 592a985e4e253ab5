"""The letter dialog: the preview page by page, printing (to a PDF printer here) and saving, each
recorded; printing blocked without the GP practice's address; the duplicate warning; every control
named; Ctrl+L and the offer after a decision in the main window."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pypdf
import pytest
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter

from tests.store.conftest import referral_input
from tests.store.test_decisions import HIGH_COMPLEXITY
from tests.store.test_letters_store import decided, letter_events
from tests.users import PWP, as_pwp
from triage.services import create_referral, decided_referral, get_referral, letters_sent
from triage.settings import LiveSettings
from triage.ui.letter_dialog import LetterDialog

from .a11y import unnamed_interactive_widgets
from .conftest import SETTINGS, listed

LETTER_DATE = date(2025, 3, 3)


def open_dialog(qtbot, store, referral_id: str) -> LetterDialog:  # type: ignore[no-untyped-def]
    dialog = LetterDialog(store, decided_referral(store, PWP, referral_id), settings=SETTINGS, user=PWP,
                          letter_date=LETTER_DATE)  # fmt: skip
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)  # shortcuts reach the active window only
    return dialog


def refuse_modal(*_args: object) -> None:
    raise AssertionError("no modal dialog may open here")


@pytest.fixture
def no_modals(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Messages the dialog would have shown, instead of showing them; the printer and file choosers fail."""
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(LetterDialog, "inform", lambda self, title, message: shown.append((title, message)))
    monkeypatch.setattr(LetterDialog, "choose_printer", refuse_modal)
    monkeypatch.setattr(LetterDialog, "choose_file", refuse_modal)
    return shown


def test_the_preview_shows_every_page_of_the_letter(qtbot, store, no_modals) -> None:
    referral_id, _ = decided(store, HIGH_COMPLEXITY)
    dialog = open_dialog(qtbot, store, referral_id)
    assert [dialog.kind.itemText(i) for i in range(dialog.kind.count())] == ["GP letter", "Patient copy",
                                                                           "Referral-on summary"]  # fmt: skip
    assert dialog.letter is not None and dialog.letter.kind == "gp"
    pages = dialog.letter.pages
    assert pages >= 2 and dialog.page_count() == pages == dialog.document.pageCount()
    assert dialog.page_label.text() == f"Page 1 of {pages}" and not dialog.previous_page.isEnabled()
    for page in range(2, pages + 1):
        qtbot.mouseClick(dialog.next_page, Qt.MouseButton.LeftButton)
        assert dialog.page_label.text() == f"Page {page} of {pages}"
    assert not dialog.next_page.isEnabled()
    qtbot.keyClick(dialog, Qt.Key.Key_PageUp)  # and by keyboard
    assert dialog.page_label.text() == f"Page {pages - 1} of {pages}"
    qtbot.keyClick(dialog, Qt.Key.Key_PageDown)
    assert dialog.page_label.text() == f"Page {pages} of {pages}"
    assert dialog.page_image.pixmap().width() > 500  # the page fills the preview's width
    dialog.kind.setCurrentIndex(2)
    assert dialog.letter.kind == "referral-on" and dialog.page_count() == dialog.letter.pages
    assert dialog.print_button.isEnabled() and dialog.save_button.isEnabled() and not dialog.notice.isVisible()


def test_printing_is_blocked_without_the_gp_practice_address(qtbot, store, no_modals) -> None:
    referral_id, decision_id = decided(store, practice=None)
    dialog = open_dialog(qtbot, store, referral_id)
    assert dialog.letter is None and dialog.page_count() == 0
    assert not dialog.print_button.isEnabled() and not dialog.save_button.isEnabled()
    assert dialog.notice.isVisible() and "address is missing" in dialog.notice.text()
    qtbot.keyClick(dialog, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)  # the shortcut is refused too
    assert no_modals and no_modals[-1][0] == "Not printed" and "address is missing" in no_modals[-1][1]
    assert letters_sent(store, PWP, decision_id) == [] and get_referral(store, PWP, referral_id).status == "decided"


def test_printing_sends_every_page_to_the_printer_and_records_it(
    qtbot, store, no_modals, monkeypatch, tmp_path
) -> None:
    referral_id, decision_id = decided(store)
    out = tmp_path / "printed.pdf"

    def pdf_printer(self: LetterDialog) -> QPrinter:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)  # 1200 dpi: the pages still render at 300
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(out))
        return printer

    monkeypatch.setattr(LetterDialog, "choose_printer", pdf_printer)
    dialog = open_dialog(qtbot, store, referral_id)
    letter = dialog.letter
    assert letter is not None
    with qtbot.waitSignal(dialog.sent) as sent:
        qtbot.keyClick(dialog, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert sent.args == ["printed"] and no_modals == []
    printed = pypdf.PdfReader(out)
    assert len(printed.pages) == letter.pages
    width, height = (float(v) for v in printed.pages[0].mediabox.upper_right)
    assert abs(width - 595.3) < 2 and abs(height - 841.9) < 2  # A4, the letter's own size
    assert [(r.kind, r.event, r.sha256) for r in letters_sent(store, PWP, decision_id)] == [
        ("gp", "printed", letter.sha256)
    ]
    assert get_referral(store, PWP, referral_id).status == "letter_sent"


def test_saving_writes_the_pdf_under_an_identifier_free_name_and_moves_the_status(qtbot, store, no_modals, monkeypatch,
                                                                                  tmp_path) -> None:  # fmt: skip
    referral_id, decision_id = decided(store)
    offered: list[str] = []

    def choose(self: LetterDialog, name: str) -> Path:
        offered.append(name)
        return tmp_path / name

    monkeypatch.setattr(LetterDialog, "choose_file", choose)
    dialog = open_dialog(qtbot, store, referral_id)
    dialog.kind.setCurrentIndex(1)  # the patient copy first: recorded, but the status stays
    qtbot.keyClick(dialog, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert get_referral(store, PWP, referral_id).status == "decided"
    dialog.kind.setCurrentIndex(0)
    qtbot.keyClick(dialog, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert offered == [f"letter-patient-{referral_id}.pdf", f"letter-gp-{referral_id}.pdf"]
    person = get_referral(store, PWP, referral_id).person
    for name in offered:
        assert person.nhs_number not in name and person.family_name.lower() not in name.lower()
    assert dialog.letter is not None and (tmp_path / offered[-1]).read_bytes() == dialog.letter.pdf
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".letter-")] == []  # no temporary left
    assert [r.kind for r in letters_sent(store, PWP, decision_id)] == ["patient", "gp"]
    referral = get_referral(store, PWP, referral_id)
    assert referral.status == "letter_sent" and referral.status_changes[-1].actor == "pwp.tester"
    assert no_modals == []


def test_a_second_identical_letter_is_warned_about(qtbot, store, no_modals, monkeypatch, tmp_path) -> None:
    referral_id, _ = decided(store)
    monkeypatch.setattr(LetterDialog, "choose_file", lambda self, name: tmp_path / name)
    first = open_dialog(qtbot, store, referral_id)
    assert not first.notice.isVisible()
    first.save_letter()
    again = open_dialog(qtbot, store, referral_id)
    assert again.notice.isVisible()
    today = date.today().strftime("%d/%m/%Y")
    assert again.notice.text() == f"⚠ A letter identical to this one was already saved on {today} by pwp.tester."
    assert again.print_button.isEnabled()  # a warning, not a refusal: a lost letter may need sending again
    again.kind.setCurrentIndex(1)
    assert not again.notice.isVisible()  # the patient copy has not left


def test_every_control_of_the_letter_dialog_is_named(qtbot, store, no_modals) -> None:
    referral_id, _ = decided(store, HIGH_COMPLEXITY)
    dialog = open_dialog(qtbot, store, referral_id)
    assert unnamed_interactive_widgets(dialog) == []
    blocked = open_dialog(qtbot, store, decided(store, practice=None, serial=2)[0])
    assert unnamed_interactive_widgets(blocked) == []


def test_ctrl_l_opens_the_letters_of_the_selected_referral(qtbot, window, store, monkeypatch) -> None:
    opened: list[str] = []
    monkeypatch.setattr(LetterDialog, "exec", lambda self: opened.append(self.subject.referral_id) or 0)
    told: list[str] = []
    monkeypatch.setattr("triage.ui.main_window.QMessageBox.information", lambda _p, _t, text: told.append(text))
    received = create_referral(store, as_pwp("pwp"), referral_input(7)).id
    window.refresh_home()
    listed(qtbot, window)
    window.home.table.selectRow(0)
    assert window.home.selected_referral() == received
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert opened == [] and told and "no confirmed decision" in told[0]
    referral_id, _ = decided(store, serial=8)
    window.refresh_home()
    listed(qtbot, window)
    rows = [window.model.referral_id(r) for r in range(window.model.rowCount())]
    window.home.table.selectRow(rows.index(referral_id))
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert opened == [referral_id]


def test_the_letters_are_offered_right_after_a_decision(qtbot, window, store, monkeypatch) -> None:
    offered: list[LetterDialog] = []
    monkeypatch.setattr(LetterDialog, "open", lambda self: offered.append(self))
    referral_id, _ = decided(store)
    window.offer_letters(referral_id)
    assert [d.subject.referral_id for d in offered] == [referral_id]
    received = create_referral(store, as_pwp("pwp"), referral_input(9)).id
    window.offer_letters(received)  # nothing decided: nothing offered, and no message in the way
    assert len(offered) == 1


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def test_an_open_letter_is_built_again_when_the_settings_are_saved(qtbot, store, no_modals) -> None:
    referral_id, _ = decided(store)
    live = LiveSettings(SETTINGS)
    dialog = LetterDialog(store, decided_referral(store, PWP, referral_id), settings=live, user=PWP,
                          letter_date=LETTER_DATE)  # fmt: skip
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.letter is not None and "01302 555 0101" not in pdf_text(dialog.letter.pdf)
    generated = len(letter_events(store))
    live.replace(SETTINGS.model_copy(update={"service_name": "Doncaster North Talking Therapies",
                                             "phone": "01302 555 0101"}))  # fmt: skip
    text = pdf_text(dialog.letter.pdf)
    assert "01302 555 0101" in text and "Doncaster North Talking Therapies" in text  # the letterhead now
    assert dialog.page_count() == dialog.letter.pages and dialog.page_image.pixmap().width() > 500  # previewed
    assert len(letter_events(store)) == generated + 1  # the letter shown is the letter recorded
    dialog.reject()
    live.replace(SETTINGS)  # closed: no longer observed, nothing built or recorded
    assert dialog.letter is None and len(letter_events(store)) == generated + 1
