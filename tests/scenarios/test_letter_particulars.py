"""Who a letter goes to and how a referral is referred to (issue 14, items 4 to 6), typed into the real
windows: a new referral typed with the patient's postal address and the referring GP chosen from the
practice's GPs; the GP letter addressed to that GP (not the first the directory lists), the patient
copy to the address, the short reference on both, shown in the list and found by typing it. A GP
letter naming no GP asks who it goes to when printed, and the "to the practice" choice is stored and
audited; a patient copy without a postal address is not printed, and the PDF saved instead says so."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pypdf
import pytest
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter
from sqlalchemy import select

from tests.keys import answer, focused, press, when_modal
from tests.scenarios.clinical import CTRL, PRACTICE, confirm, letter_text, none_in_section_6, section, tab_to, to
from tests.scenarios.test_live_call_risk_and_mus import answer_up_to_risk
from tests.store.conftest import referral_input
from tests.store.test_letters_store import decided
from tests.ui.conftest import SETTINGS, listed
from tests.users import PWP, as_admin, as_pwp
from triage.services import create_referral, decided_referral, get_referral, letters_sent, parse, save_gp_practice
from triage.services.inputs import GpPracticeInput
from triage.store import Store, open_store
from triage.store.models import AuditEvent
from triage.ui.addressee_dialog import AddresseeDialog
from triage.ui.letter_dialog import LetterDialog
from triage.ui.referral_dialog import NewReferralDialog

TWO_GPS = {**PRACTICE, "gp_names": ("Dr A Example", "Dr B Sample")}
NHS_NUMBER = "9990000026"  # 999 range: never issued


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A store whose practice lists two GPs: the letter must go to the one chosen, not the first."""
    with open_store(tmp_path / "triage.db") as opened:
        save_gp_practice(opened, as_admin("admin"), parse(GpPracticeInput, TWO_GPS))
        yield opened


def type_new_referral(qtbot, dialog: NewReferralDialog) -> None:  # type: ignore[no-untyped-def]
    """Every field by Tab from the NHS number, as a screener types it during the call."""
    to(qtbot, dialog.fields["nhs_number"])  # the dialog active (offscreen, a new modal is not always)
    for text in (NHS_NUMBER, "Alex", "Example", "15/06/1980"):
        qtbot.keyClicks(focused(), text)
        press(qtbot, Qt.Key.Key_Tab)
    press(qtbot, Qt.Key.Key_Tab)  # received today, as filled in
    press(qtbot, Qt.Key.Key_Tab)  # source: GP
    assert focused() is dialog.practice
    qtbot.keyClicks(focused(), "C84001")
    press(qtbot, Qt.Key.Key_Tab)
    assert focused() is dialog.referring_gp
    assert [dialog.referring_gp.itemText(i) for i in range(dialog.referring_gp.count())] == list(TWO_GPS["gp_names"])
    press(qtbot, Qt.Key.Key_Down)
    press(qtbot, Qt.Key.Key_Down)  # the second of the practice's GPs
    assert dialog.referring_gp.currentText() == "Dr B Sample"
    for text in ("", "12 Sample Street", "Balby", "Doncaster"):  # no phone; the address
        press(qtbot, Qt.Key.Key_Tab)
        qtbot.keyClicks(focused(), text)
    press(qtbot, Qt.Key.Key_Tab)
    assert focused() is dialog.fields["postcode"]
    qtbot.keyClicks(focused(), "dn4 8ab")
    press(qtbot, Qt.Key.Key_Return)


@pytest.mark.qt_log_ignore("does not support raise", "does not support grabbing the keyboard")  # the completer's popup
def test_a_typed_referral_s_letters_go_to_the_chosen_gp_and_the_patient_s_address_and_its_reference_is_found(  # type: ignore[no-untyped-def]
    qtbot, window, store
) -> None:
    create_referral(store, as_pwp("pwp"), referral_input(7))  # another referral, given REF-000001
    window.refresh_home()
    listed(qtbot, window)  # the list loaded: its answer moves no focus while the form is typed
    when_modal(qtbot, NewReferralDialog, lambda dialog: type_new_referral(qtbot, dialog))
    press(qtbot, Qt.Key.Key_N, CTRL)
    qtbot.waitUntil(lambda: window.screening is not None)
    page = window.screening
    to(qtbot, page.phq9.rows[0])
    answer_up_to_risk(qtbot, "1")
    answer(qtbot, "D")
    none_in_section_6(qtbot)
    section(qtbot, 7)
    dialog = confirm(qtbot, window)
    referral = get_referral(store, PWP, dialog.subject.referral_id)
    assert (referral.referring_gp, referral.letter_to_practice, referral.reference) == (
        "Dr B Sample",
        False,
        "REF-000002",
    )
    assert referral.address_lines == ("12 Sample Street", "Balby", "Doncaster") and referral.postcode == "DN4 8AB"

    gp = letter_text(qtbot, dialog, "gp")
    assert dialog.letter is not None
    assert dialog.letter.content.recipient == ("Dr B Sample", "Example Street Surgery", "2 Example Street",
                                               "Doncaster", "DN1 1AB")  # fmt: skip
    assert "Our reference REF-000002" in gp and referral.id not in gp
    patient = letter_text(qtbot, dialog, "patient")
    assert dialog.letter.content.recipient == ("Private and confidential", "Alex Example", "12 Sample Street",
                                               "Balby", "Doncaster", "DN4 8AB")  # fmt: skip
    assert "Our reference REF-000002" in patient and "not for posting" not in patient
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)

    window.refresh_home()
    listed(qtbot, window)
    shown = {window.model.index(r, 7).data() for r in range(window.model.rowCount())}
    assert (
        shown == {"REF-000001", "REF-000002"} and window.model.headerData(7, Qt.Orientation.Horizontal) == "Reference"
    )
    to(qtbot, window)
    press(qtbot, Qt.Key.Key_F, CTRL)
    assert focused() is window.home.search
    qtbot.keyClicks(focused(), "ref-2")  # as read over the telephone, short
    qtbot.waitUntil(lambda: window.model.total == 1 and not window.model.busy)
    assert window.model.index(0, 7).data() == "REF-000002"
    assert window.model.referral_id(0) == referral.id


def open_dialog(qtbot, store: Store, referral_id: str) -> LetterDialog:  # type: ignore[no-untyped-def]
    dialog = LetterDialog(store, decided_referral(store, PWP, referral_id), settings=SETTINGS, user=PWP,
                          letter_date=date(2025, 3, 3))  # fmt: skip
    qtbot.addWidget(dialog)
    dialog.show()
    to(qtbot, dialog.kind)
    return dialog


@pytest.fixture
def told(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """The messages the letter dialog shows, instead of showing them."""
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(LetterDialog, "inform", lambda self, title, message: shown.append((title, message)))
    return shown


def test_printing_a_gp_letter_that_names_no_gp_asks_and_records_the_practice_choice(  # type: ignore[no-untyped-def]
    qtbot, store, told, monkeypatch, tmp_path
) -> None:
    referral_id, decision_id = decided(store, practice=None, referral={"gp_practice_code": PRACTICE["code"]})
    printed = tmp_path / "printed.pdf"

    def pdf_printer(self: LetterDialog) -> QPrinter:
        printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(printed))
        return printer

    monkeypatch.setattr(LetterDialog, "choose_printer", pdf_printer)
    dialog = open_dialog(qtbot, store, referral_id)
    assert dialog.letter is not None and dialog.letter.content.recipient[0] == "The GP"

    asked: list[list[str]] = []

    def cancel(addressee: AddresseeDialog) -> None:
        asked.append([addressee.gp.itemText(i) for i in range(addressee.gp.count())])
        qtbot.keyClick(focused(), Qt.Key.Key_Escape)

    when_modal(qtbot, AddresseeDialog, cancel)
    press(qtbot, Qt.Key.Key_P, CTRL)
    assert asked == [list(TWO_GPS["gp_names"])]  # the practice's GPs offered
    assert told[-1] == (
        "Not printed",
        "The GP letter names no GP: choose the GP it goes to, or address it to the practice.",
    )
    assert letters_sent(store, PWP, decision_id) == [] and not printed.exists()

    def to_the_practice(addressee: AddresseeDialog) -> None:
        assert focused() is addressee.gp
        press(qtbot, Qt.Key.Key_Return)  # nothing typed: refused, asked again
        assert addressee.isVisible() and "Type or choose the GP" in addressee.problem.text()
        tab_to(qtbot, addressee.to_practice)
        press(qtbot, Qt.Key.Key_Space)

    to(qtbot, dialog.kind)
    when_modal(qtbot, AddresseeDialog, to_the_practice)
    with qtbot.waitSignal(dialog.sent, timeout=10_000):
        press(qtbot, Qt.Key.Key_P, CTRL)
    stored = get_referral(store, PWP, referral_id)
    assert (stored.referring_gp, stored.letter_to_practice) == (None, True)
    assert [(r.kind, r.event) for r in letters_sent(store, PWP, decision_id)] == [("gp", "printed")]
    assert dialog.letter is not None and dialog.letter.content.recipient[0] == "The GP"
    with store.read() as session:
        summaries = list(session.scalars(select(AuditEvent.summary).where(AuditEvent.entity_id == referral_id)))
    assert "letter addressee: no GP named; the GP letter addressed to the practice by choice" in summaries

    def asked_again(self: LetterDialog, gps: tuple[str, ...]) -> None:
        raise AssertionError("the recorded choice stands: the letter is not asked about again")

    monkeypatch.setattr(LetterDialog, "ask_addressee", asked_again)
    to(qtbot, dialog.kind)
    with qtbot.waitSignal(dialog.sent, timeout=10_000):
        press(qtbot, Qt.Key.Key_P, CTRL)
    assert [(r.kind, r.event) for r in letters_sent(store, PWP, decision_id)] == [("gp", "printed")] * 2


def test_a_patient_copy_without_a_postal_address_is_not_printed_and_its_pdf_says_so(  # type: ignore[no-untyped-def]
    qtbot, store, told, monkeypatch, tmp_path
) -> None:
    referral_id, decision_id = decided(store, practice=None, referral={
        "gp_practice_code": PRACTICE["code"], "referring_gp": "Dr A Example",
        "address_line1": None, "address_line3": None, "postcode": None})  # fmt: skip

    def no_printer(self: LetterDialog) -> None:
        raise AssertionError("the printer must not be offered for a patient copy without an address")

    monkeypatch.setattr(LetterDialog, "choose_printer", no_printer)
    monkeypatch.setattr(LetterDialog, "choose_file", lambda self, name: tmp_path / name)
    dialog = open_dialog(qtbot, store, referral_id)
    text = letter_text(qtbot, dialog, "patient")
    assert "No postal address on record: not for posting (saved as PDF only)" in text
    assert "cannot be printed for post" in dialog.notice.text()
    press(qtbot, Qt.Key.Key_P, CTRL)
    assert told and told[-1][0] == "Not printed" and "no postal address" in told[-1][1]
    assert letters_sent(store, PWP, decision_id) == []
    with qtbot.waitSignal(dialog.sent, timeout=10_000):
        press(qtbot, Qt.Key.Key_S, CTRL)
    saved = tmp_path / f"letter-patient-{referral_id}.pdf"
    pdf_text = " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(saved.read_bytes())).pages)
    assert "No postal address on record: not for posting" in " ".join(pdf_text.split())
    assert [(r.kind, r.event) for r in letters_sent(store, PWP, decision_id)] == [("patient", "saved")]
