"""A screener types the date of birth as the person says it. Under Xvfb "15061980" was refused with
"must be a date written YYYY-MM-DD", while the field's placeholder says dd/mm/yyyy: the form now takes
the ways a UK date is typed on a call, and a date it cannot read is named in the placeholder's form,
the dialog staying open with nothing stored."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from tests.keys import focused, press, when_modal
from tests.scenarios.clinical import CTRL, main_window
from tests.users import PWP
from triage.store import open_store
from triage.store.models import Person
from triage.ui.referral_dialog import NewReferralDialog, parse_uk_date

NHS_NUMBER = "9990000018"  # 999 range: never issued to a real person


@pytest.mark.parametrize("typed", ["15/06/1980", "15/6/1980", "15-06-1980", "15.06.1980", "15061980"])
def test_a_date_of_birth_typed_as_said_is_read_as_that_day(typed: str) -> None:
    assert parse_uk_date(typed) == date(1980, 6, 15)


@pytest.mark.parametrize("typed", ["1561980", "1980-06-15", "31/02/1980", "15/06/80", "fifteenth"])
def test_what_is_not_a_uk_date_is_not_guessed(typed: str) -> None:
    assert parse_uk_date(typed) is None


def test_a_date_typed_without_slashes_is_stored_and_one_it_cannot_read_is_named_as_dd_mm_yyyy(
    qtbot, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    seen: dict[str, object] = {}
    with open_store(tmp_path / "triage.db") as store:
        window = main_window(qtbot, store, PWP)

        def fill(dialog: NewReferralDialog) -> None:
            qtbot.keyClicks(focused(), NHS_NUMBER)
            press(qtbot, Qt.Key.Key_Tab)
            qtbot.keyClicks(focused(), "Alex")
            press(qtbot, Qt.Key.Key_Tab)
            qtbot.keyClicks(focused(), "Example")
            press(qtbot, Qt.Key.Key_Tab)
            qtbot.keyClicks(focused(), "15/06/80")  # a two-digit year: not guessed
            press(qtbot, Qt.Key.Key_Return)
            seen["still open"] = dialog.isVisible() and dialog.problems.isVisible()
            seen["shown"] = dialog.problems.text()
            seen["focus"] = focused() is dialog.fields["date_of_birth"]
            press(qtbot, Qt.Key.Key_A, CTRL)
            qtbot.keyClicks(focused(), "15061980")
            press(qtbot, Qt.Key.Key_Return)

        when_modal(qtbot, NewReferralDialog, fill)
        press(qtbot, Qt.Key.Key_N, CTRL)
        qtbot.waitUntil(lambda: window.screening is not None)
        assert seen["still open"] and seen["focus"]
        assert "<b>Date of birth</b>: must be a date written dd/mm/yyyy, e.g. 15/06/1980" in str(seen["shown"])
        assert "YYYY-MM-DD" not in str(seen["shown"])
        with store.read() as session:
            (person,) = session.scalars(select(Person)).all()
            assert person.date_of_birth == date(1980, 6, 15)
