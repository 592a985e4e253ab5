"""A screener types a new referral for "Nguyễn Thị Ánh" into the real new-referral dialog, screens
her and confirms; the GP letter the window then offers gives her name back from ``pdftotext`` exactly
as typed, and is dated with the decision's stored time (issue 14, items 7 and 8). A family name typed
in Arabic is refused by the same dialog, naming the field and the character, with nothing stored.
"""

from __future__ import annotations

import io

import pypdf
import pytest
from PySide6.QtCore import Qt
from sqlalchemy import func, select

from tests.keys import answer, focused, press, when_modal
from tests.letters.test_scripts import ARABIC, pdftotext
from tests.scenarios.clinical import CTRL, confirm, none_in_section_6, section, stored, to
from tests.scenarios.test_invisible_characters_in_a_name import type_text
from tests.scenarios.test_live_call_risk_and_mus import answer_up_to_risk
from triage.store.models import Person
from triage.ui.referral_dialog import NewReferralDialog

NHS_NUMBER = "9990000018"  # 999 range: never issued to a real person
GIVEN, FAMILY = "Nguyễn Thị", "Ánh"
# The practice field's completer pops up a list, which the offscreen platform can neither raise nor grab.
OFFSCREEN_POPUP = pytest.mark.qt_log_ignore("does not support raise", "does not support grabbing the keyboard")


def type_referral(qtbot, dialog: NewReferralDialog, family_name: str) -> None:  # type: ignore[no-untyped-def]
    """NHS number, names, date of birth and the practice code, typed field by field as a person does."""
    to(qtbot, dialog.fields["nhs_number"])  # the dialog active (offscreen, it may not be yet)
    qtbot.keyClicks(focused(), NHS_NUMBER)
    press(qtbot, Qt.Key.Key_Tab)
    type_text(qtbot, GIVEN)  # outside Latin-1: as an input method sends it
    press(qtbot, Qt.Key.Key_Tab)
    type_text(qtbot, family_name)
    press(qtbot, Qt.Key.Key_Tab)
    qtbot.keyClicks(focused(), "14/03/1986")
    to(qtbot, dialog.practice)  # past the received date (today) and the source (GP)
    qtbot.keyClicks(focused(), "C84001")  # the practice store's surgery, by its code
    if dialog.practice.completer().popup().isVisible():
        press(qtbot, Qt.Key.Key_Return)  # take the completion offered: "Example Street Surgery (C84001)"


def closed_after(dialog: NewReferralDialog, steps) -> None:  # type: ignore[no-untyped-def]
    """Run ``steps`` in the modal dialog; whatever they raise, the dialog is not left open (its exec()
    would never return and the test would hang instead of failing)."""
    try:
        steps()
    finally:
        if dialog.isVisible():
            dialog.reject()


@OFFSCREEN_POPUP
def test_a_vietnamese_name_typed_in_comes_back_exactly_from_the_letter(qtbot, window, store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    seen: dict[str, object] = {}

    def fill(dialog: NewReferralDialog) -> None:
        def steps() -> None:
            type_referral(qtbot, dialog, FAMILY)
            seen["typed"] = (dialog.fields["given_name"].text(), dialog.fields["family_name"].text())
            press(qtbot, Qt.Key.Key_Return)
            seen["problems"] = dialog.problems.text()

        closed_after(dialog, steps)

    when_modal(qtbot, NewReferralDialog, fill)
    press(qtbot, Qt.Key.Key_N, CTRL)
    qtbot.waitUntil(lambda: window.screening is not None)
    assert seen["typed"] == (GIVEN, FAMILY), seen
    page = window.screening
    to(qtbot, page.phq9.rows[0])  # the window active again after the modal dialog (offscreen)
    answer_up_to_risk(qtbot, "1")
    assert focused() is page.descriptor
    answer(qtbot, "D")  # depression
    none_in_section_6(qtbot)
    section(qtbot, 7)
    dialog = confirm(qtbot, window)
    with store.read() as session:
        (person,) = session.scalars(select(Person)).all()
        assert (person.given_name, person.family_name) == (GIVEN, FAMILY)
    _screening, decision = stored(store, dialog.subject.referral_id)
    assert dialog.kind.currentData() == "gp" and dialog.letter is not None, dialog.notice.text()
    text = " ".join(pdftotext(dialog.letter.pdf, tmp_path).split())
    # no referring GP typed: the preview goes to the practice's GP unnamed (printing asks who, issue 14.4)
    assert f"Name {GIVEN} {FAMILY}" in text and "Dear Doctor," in text
    assert text.count(f"{GIVEN} {FAMILY}") >= 2  # the identity panel and the body: every time, exactly
    info = pypdf.PdfReader(io.BytesIO(dialog.letter.pdf)).metadata
    assert info is not None and info.creation_date == decision.decided_at.replace(microsecond=0)


@OFFSCREEN_POPUP
def test_an_arabic_family_name_is_refused_by_the_dialog_naming_the_field(qtbot, window, store) -> None:  # type: ignore[no-untyped-def]
    seen: dict[str, object] = {}

    def fill(dialog: NewReferralDialog) -> None:
        def steps() -> None:
            type_referral(qtbot, dialog, ARABIC)
            seen["typed"] = dialog.fields["family_name"].text()
            press(qtbot, Qt.Key.Key_Return)
            seen["still open"] = dialog.isVisible() and dialog.problems.isVisible()
            seen["shown"] = dialog.problems.text()
            seen["focus on family name"] = focused() is dialog.fields["family_name"]
            with store.read() as session:
                seen["people"] = session.scalar(select(func.count()).select_from(Person))
            press(qtbot, Qt.Key.Key_Escape)

        closed_after(dialog, steps)

    when_modal(qtbot, NewReferralDialog, fill)
    press(qtbot, Qt.Key.Key_N, CTRL)
    qtbot.waitUntil(lambda: "shown" in seen)
    assert seen["typed"] == ARABIC and seen["still open"] and seen["people"] == 0
    assert seen["focus on family name"]
    shown = str(seen["shown"])
    assert "Family name" in shown and "U+0645" in shown and "right-to-left writing" in shown
    assert ARABIC not in shown and NHS_NUMBER not in shown
