"""A PWP corrects a mistyped family name by keyboard (issue 15, item 9, first half), and edits the
postal address and referring GP (``ReferralUpdate``), through the real windows.

The record is found by Ctrl+F and opened with Return; Alt+I opens the correction, where the family
name is retyped. Saved without a reason it is refused, the field named, nothing written; with the
reason chosen and typed it is saved, the record shows the corrected name in its banner and the
correction in its history, the audit has the field and the reason category only, and the GP letter
then prints the corrected name. Alt+A edits the address: a bad postcode is refused by its field,
a good one is saved and shown."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit
from sqlalchemy import select

from tests.keys import focused, press, when_modal
from tests.scenarios.clinical import ALT, CTRL, letter_text, main_window, to
from tests.scenarios.test_read_back_decided_referral import open_by_keyboard
from tests.store.test_letters_store import decided
from tests.users import PWP
from triage.services import get_referral
from triage.store.models import AuditEvent, IdentityCorrection
from triage.ui.letter_dialog import LetterDialog
from triage.ui.record_edits import CorrectionDialog, DetailsDialog

MISTYPED, CORRECT = "Exmaple", "Example"
REASON = "Letters swapped when typed from the referral form"


def closing_on_failure(then):  # type: ignore[no-untyped-def]
    """``then(dialog)``, the dialog closed if it fails (a modal left open would hang the test)."""

    def run(dialog):  # type: ignore[no-untyped-def]
        try:
            then(dialog)
        except BaseException as exc:
            dialog.reject()
            failures.append(exc)

    return run


failures: list[BaseException] = []


def retype(qtbot, edit: QLineEdit, text: str) -> None:  # type: ignore[no-untyped-def]
    to(qtbot, edit)  # the dialog active (offscreen, a new modal is not always)
    press(qtbot, Qt.Key.Key_A, CTRL)  # select what is there, then type over it
    qtbot.keyClicks(edit, text)


def test_a_pwp_corrects_a_family_name_by_keyboard_and_the_record_and_letter_show_it(qtbot, store) -> None:  # type: ignore[no-untyped-def]
    failures.clear()
    referral_id, _ = decided(store, referral={"family_name": MISTYPED})
    window = main_window(qtbot, store, PWP)
    open_by_keyboard(qtbot, window, MISTYPED)
    page = window.record_page
    assert page is not None and page.record.referral.id == referral_id
    seen: dict[str, str] = {}

    def correct(dialog: CorrectionDialog) -> None:
        retype(qtbot, dialog.fields["family_name"], CORRECT)
        press(qtbot, Qt.Key.Key_Return)  # no reason yet: refused, the dialog stays open
        seen["refused"] = dialog.problems.text()
        assert focused() is dialog.reason_category  # the first field to fix has the focus
        press(qtbot, Qt.Key.Key_Down)  # "Mistyped when entered"
        press(qtbot, Qt.Key.Key_Tab)
        qtbot.keyClicks(focused(), REASON)
        press(qtbot, Qt.Key.Key_Return)

    when_modal(qtbot, CorrectionDialog, closing_on_failure(correct))
    press(qtbot, Qt.Key.Key_I, ALT)
    qtbot.waitUntil(lambda: failures or (window.record_page is not page and window.record_page is not None),
                    timeout=10_000)  # fmt: skip
    assert not failures, failures
    assert "Why, in words" in seen["refused"] and "Reason" in seen["refused"]
    assert MISTYPED not in seen["refused"]

    page = window.record_page
    assert page is not None
    assert CORRECT.upper() in page.banner.plain_text() and MISTYPED.upper() not in page.banner.plain_text()
    history = page.sections["Corrections"].toPlainText()
    assert f"Family name corrected from “{MISTYPED}” to “{CORRECT}” (Mistyped when entered: {REASON}) by" in history
    assert get_referral(store, PWP, referral_id).person.family_name == CORRECT
    with store.read() as session:
        assert len(session.scalars(select(IdentityCorrection)).all()) == 1  # the refused save wrote nothing
        summaries = list(session.scalars(select(AuditEvent.summary).where(AuditEvent.entity_type == "person")))
    assert "identity corrected: family_name (reason: typing_error)" in summaries
    assert not any(MISTYPED in s or CORRECT in s or "swapped" in s for s in summaries)

    to(qtbot, page.banner.text)  # the window active again (offscreen, a closed modal leaves none)
    assert focused() is page.banner.text  # the record shown afresh, whose it is read first
    letters: list[str] = []

    def read(dialog: LetterDialog) -> None:
        letters.append(letter_text(qtbot, dialog, "gp"))
        dialog.reject()

    when_modal(qtbot, LetterDialog, closing_on_failure(read))
    press(qtbot, Qt.Key.Key_L, CTRL)  # the letters of the shown record (a modal: read, then closed)
    assert not failures and len(letters) == 1, failures
    assert f"Testgiven {CORRECT}" in letters[0] and MISTYPED not in letters[0]


def test_the_address_is_edited_by_keyboard_a_bad_postcode_refused_by_its_field(qtbot, store) -> None:  # type: ignore[no-untyped-def]
    failures.clear()
    referral_id, _ = decided(store, referral={"family_name": MISTYPED})
    window = main_window(qtbot, store, PWP)
    open_by_keyboard(qtbot, window, MISTYPED)
    page = window.record_page
    seen: dict[str, str] = {}

    def edit(dialog: DetailsDialog) -> None:
        retype(qtbot, dialog.fields["address_line1"], "7 New Street")
        retype(qtbot, dialog.fields["postcode"], "DN4")
        press(qtbot, Qt.Key.Key_Return)
        seen["refused"] = dialog.problems.text()
        assert focused() is dialog.fields["postcode"]
        retype(qtbot, dialog.fields["postcode"], "dn2 4aa")
        press(qtbot, Qt.Key.Key_Return)

    when_modal(qtbot, DetailsDialog, closing_on_failure(edit))
    press(qtbot, Qt.Key.Key_A, ALT)
    qtbot.waitUntil(lambda: failures or (window.record_page is not page and window.record_page is not None),
                    timeout=10_000)  # fmt: skip
    assert not failures, failures
    assert "<b>Postcode</b>" in seen["refused"] and "DN4" not in seen["refused"]
    stored = get_referral(store, PWP, referral_id)
    assert stored.address_lines[0] == "7 New Street" and stored.postcode == "DN2 4AA"
    assert window.record_page is not None
    assert "7 New Street, Doncaster, DN2 4AA" in window.record_page.sections["Referral"].toPlainText()
