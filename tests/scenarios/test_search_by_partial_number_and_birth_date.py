"""Finding a caller's referral by what they can read out (issue 15, item 5; docs/journey.md, "The list").

A PWP on a call presses Ctrl+F and types what the caller says: the first digits of the NHS number off
a letter, spaced as it is printed, or the date of birth as the referral form takes it (15/06/1980,
15-6-1980, or the eight digits). The list shows the matching people only, counted in words; a date
that does not exist finds nothing and says so by its count, never by an error."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.keys import press
from tests.scenarios.clinical import CTRL, to
from tests.store.conftest import make_nhs_number, referral_input
from tests.users import PWP
from triage.services import create_referral
from triage.store import Store
from triage.ui.main_window import MainWindow

PEOPLE = {"Firstcaller": (100, "1980-06-15"), "Secondcaller": (200, "1980-06-15"), "Thirdcaller": (300, "1991-01-02")}


def search(qtbot, window: MainWindow, typed: str) -> set[str]:  # type: ignore[no-untyped-def]
    """Ctrl+F, what the caller said typed key by key, and the family names the list then shows."""
    to(qtbot, window.home.search)
    press(qtbot, Qt.Key.Key_F, CTRL)
    window.home.search.selectAll()
    press(qtbot, Qt.Key.Key_Backspace)
    qtbot.keyClicks(window.home.search, typed)
    qtbot.waitUntil(lambda: not window.home._debounce.isActive() and not window.model.loading, timeout=5000)
    rows = (window.model.row_at(i) for i in range(window.model.rowCount()))
    return {row.family_name for row in rows if row is not None}


def test_a_pwp_finds_a_caller_by_the_start_of_the_number_or_the_date_of_birth(
    qtbot, store: Store, window: MainWindow
) -> None:  # type: ignore[no-untyped-def]
    for family, (serial, born) in PEOPLE.items():
        create_referral(store, PWP, referral_input(serial, family_name=family, date_of_birth=born))
    second = make_nhs_number(200)
    assert search(qtbot, window, f"{second[:3]} {second[3:6]} {second[6:9]}") == {"Secondcaller"}
    assert window.home.count.text() == "1 referral"
    assert search(qtbot, window, second[:6]) >= {"Secondcaller"}  # fewer digits: every number starting so
    for said in ("15/06/1980", "15-6-1980", "15.06.1980", "15061980"):
        assert search(qtbot, window, said) == {"Firstcaller", "Secondcaller"}, said
    assert window.home.count.text() == "2 referrals"
    assert search(qtbot, window, "31/02/1980") == set()  # no such date: nothing found, no error
    assert window.home.count.text() == "0 referrals"
    assert search(qtbot, window, "Thirdc") == {"Thirdcaller"}  # a name still finds its family
