"""A screener types a new referral whose family name carries a right-to-left override (U+202E), which
a keyboard or a paste can put in a name and which makes it read differently on a letter (issue 13,
item 18). The form refuses it, naming the field and the character, keeps the dialog open with
nothing stored; the name typed again with a zero-width non-joiner (as Persian writes it) is saved
exactly as typed."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication
from sqlalchemy import func, select

from tests.keys import focused, press, when_modal
from tests.scenarios.clinical import CTRL, main_window
from tests.users import PWP
from triage.store import open_store
from triage.store.models import Person
from triage.ui.referral_dialog import NewReferralDialog

NHS_NUMBER = "9990000018"  # 999 range: never issued to a real person
DISGUISED = "Smith\u202eeoJ"  # shows as "SmithJoe" reversed at the end
ZWNJ_NAME = "Mehr\u200cnaz"


def type_text(qtbot, text: str) -> None:  # type: ignore[no-untyped-def]
    """Key events for ``text`` where the focus is. QTest.keyClicks aborts on a character outside
    Latin-1, so those come as the key event an input method sends: no key code, just the text."""
    for char in text:
        if ord(char) < 0x80:
            qtbot.keyClicks(focused(), char)
        else:
            for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                QApplication.sendEvent(
                    focused(), QKeyEvent(kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, char)
                )


def test_a_direction_override_typed_in_a_name_is_refused_and_a_zwnj_name_is_kept(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    seen: dict[str, object] = {}
    with open_store(tmp_path / "triage.db") as store:
        window = main_window(qtbot, store, PWP)

        def fill(dialog: NewReferralDialog) -> None:  # the dialog runs modally: typed into as it shows
            qtbot.keyClicks(focused(), NHS_NUMBER)
            press(qtbot, Qt.Key.Key_Tab)
            type_text(qtbot, ZWNJ_NAME)
            press(qtbot, Qt.Key.Key_Tab)
            type_text(qtbot, DISGUISED)
            press(qtbot, Qt.Key.Key_Tab)
            qtbot.keyClicks(focused(), "14/03/1986")
            seen["typed"] = dialog.fields["family_name"].text()  # the line edit took the override
            press(qtbot, Qt.Key.Key_Return)
            seen["still open"] = dialog.isVisible() and dialog.problems.isVisible()
            seen["shown"] = dialog.problems.text()
            seen["focus on family name"] = focused() is dialog.fields["family_name"]
            with store.read() as session:
                seen["people"] = session.scalar(select(func.count()).select_from(Person))
            press(qtbot, Qt.Key.Key_A, CTRL)
            qtbot.keyClicks(focused(), "Smith")
            press(qtbot, Qt.Key.Key_Return)

        when_modal(qtbot, NewReferralDialog, fill)
        press(qtbot, Qt.Key.Key_N, CTRL)
        qtbot.waitUntil(lambda: window.screening is not None)
        assert seen["typed"] == DISGUISED and seen["still open"] and seen["people"] == 0
        assert seen["focus on family name"]
        shown = str(seen["shown"])
        assert "Family name" in shown and "U+202E" in shown and "invisible formatting" in shown
        assert "Smith" not in shown and NHS_NUMBER not in shown
        with store.read() as session:
            (person,) = session.scalars(select(Person)).all()
            assert (person.given_name, person.family_name) == (ZWNJ_NAME, "Smith")
