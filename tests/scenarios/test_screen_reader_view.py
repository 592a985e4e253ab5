"""A screen reader user answers PHQ-9 item 1 by keyboard, as on a call: Tab to the item, type 1. What
the item then gives assistive technology (through Qt's accessibility interface, which AT-SPI bridges)
is its question as name and "Several days", in words, as its checked answer."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QApplication

from tests.ui.screening_keys import make_page

Role, Text = QAccessible.Role, QAccessible.Text


def test_an_item_answered_by_keyboard_announces_its_question_and_the_answer_in_words(qtbot):
    page = make_page(qtbot)
    page.resize(1280, 720)
    qtbot.keyClick(page, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)  # Alt+2: severity
    item = page.phq9.rows[0]
    qtbot.waitUntil(item.hasFocus)
    qtbot.keyClick(QApplication.focusWidget(), "1")

    assert page.session.form.phq9[0] == 1  # what is stored
    assert page.phq9.rows[1].hasFocus()  # and on to item 2, as before
    interface = QAccessible.queryAccessibleInterface(item)
    assert interface.role() == Role.Grouping
    assert interface.text(Text.Name) == "PHQ-9 item 1: Little interest or pleasure in doing things"
    assert interface.text(Text.Description) == "Several days"
    checked = [
        interface.child(i).text(Text.Name)
        for i in range(interface.childCount())
        if interface.child(i).role() == Role.RadioButton and interface.child(i).state().checked
    ]
    assert checked == ["Several days"]
    item2 = QAccessible.queryAccessibleInterface(page.phq9.rows[1])
    assert item2.state().focused and item2.text(Text.Description) == "Not answered"
