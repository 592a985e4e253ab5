"""A PWP opens a screened referral's record by keyboard and reads what is still missing (issue 15,
item 8): the Referral section's "Still missing" line, as a screen reader reads the section, names the
employment status the screening left out. The list's "Incomplete record" filter, chosen by keyboard,
shows that referral and not one screened in full."""

from __future__ import annotations

from tests.scenarios.clinical import down_to, main_window, to
from tests.scenarios.test_read_back_decided_referral import open_by_keyboard
from tests.store.test_letters_store import decided
from tests.store.test_screenings import ANSWERS
from tests.ui.test_record_view_covers_form import accessible_text
from tests.users import PWP
from triage.store import Store


def test_the_record_names_what_the_screening_left_out(qtbot, store: Store) -> None:  # type: ignore[no-untyped-def]
    decided(store, referral={"family_name": "Halfdone"})  # screened without an employment status
    window = main_window(qtbot, store, PWP)
    open_by_keyboard(qtbot, window, "Halfdone")
    page = window.record_page
    assert page is not None
    section = page.sections["Referral"]
    assert "Still missing: employment status" in section.toPlainText()  # what the screen shows
    assert "Still missing: employment status" in accessible_text(section)  # what a screen reader reads


def test_the_list_filters_the_records_with_something_missing(qtbot, store: Store) -> None:  # type: ignore[no-untyped-def]
    decided(store, referral={"family_name": "Halfdone"})  # no employment status
    complete = {**ANSWERS, "assessment": {"circumstances": {"employment_status": "employed"}}}
    decided(store, complete, serial=2, practice=None, referral={"family_name": "Alldone"})
    window = main_window(qtbot, store, PWP)
    to(qtbot, window.home.journey)
    down_to(qtbot, window.home.journey, "Incomplete record")
    qtbot.waitUntil(lambda: not window.model.loading and window.model.total == 1, timeout=5000)
    row = window.model.row_at(0)
    assert row is not None and row.family_name == "Halfdone"
    assert window.home.count.text() == "1 referral"
