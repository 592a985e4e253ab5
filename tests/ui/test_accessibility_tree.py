"""What a screen reader is given, read through Qt's accessibility interface (the one AT-SPI bridges on
Linux): role, name, description and state, not only the widgets' accessibleName()."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QAccessible, QAccessibleInterface
from PySide6.QtWidgets import QWidget

from triage.services.store_setup import initialise_store
from triage.ui.login import FirstRunDialog
from triage.ui.screenshots import login_with_error

from .screening_keys import make_page

Role, Text = QAccessible.Role, QAccessible.Text


def iface(widget: QWidget) -> QAccessibleInterface:
    interface = QAccessible.queryAccessibleInterface(widget)
    assert interface is not None
    return interface


def children(interface: QAccessibleInterface) -> list[QAccessibleInterface]:
    return [interface.child(i) for i in range(interface.childCount())]


def test_every_questionnaire_item_is_a_group_of_radio_buttons_named_in_words(qtbot):
    page = make_page(qtbot)
    rows = page.phq9.rows + page.gad7.rows
    assert len(rows) == 16
    page.phq9.rows[0].set_value(1)
    for number, row in enumerate(rows, 1):
        item = iface(row)
        assert item.role() == Role.Grouping, f"item {number}"
        assert row.parentWidget() and item.text(Text.Name).endswith(
            (page.phq9.questionnaire.items + page.gad7.questionnaire.items)[number - 1]
        )
        assert item.state().focusable
        answers = [child for child in children(item) if child.role() == Role.RadioButton]
        assert len(answers) == 4, f"item {number}"
        assert all(not a.text(Text.Name).startswith("✔") and a.state().checkable for a in answers)
    first = iface(page.phq9.rows[0])
    answers = {a.text(Text.Name): a.state().checked for a in children(first) if a.role() == Role.RadioButton}
    assert answers == {"Not at all": False, "Several days": True, "More than half the days": False,
                       "Nearly every day": False}  # fmt: skip
    assert first.text(Text.Description) == "Several days"
    assert iface(page.phq9.rows[1]).text(Text.Description) == "Not answered"


def test_every_rating_is_a_group_of_radio_buttons_named_by_their_level(qtbot):
    page = make_page(qtbot)
    qtbot.keyClick(page.raters["chronicity"].levels_row, "3")  # high
    for variable, rater in page.raters.items():
        group = iface(rater.levels_row)
        assert group.role() == Role.Grouping, variable
        assert group.text(Text.Name).startswith(rater.variable.label)
        levels = [
            iface(card.title)
            for card in rater.cards.values()  # the radio is inside its card
        ]
        assert [level.role() for level in levels] == [Role.RadioButton] * 3
        assert [level.text(Text.Name) for level in levels] == ["Low", "Medium", "High"]
    chronicity = page.raters["chronicity"]
    assert [iface(card.title).state().checked for card in chronicity.cards.values()] == [False, False, True]
    assert iface(chronicity.levels_row).text(Text.Description) == "Rated High"


def test_the_risk_drop_downs_are_labelled_by_their_question(qtbot):
    page = make_page(qtbot)
    for key, combo in page.risk_present.items():
        interface = iface(combo)
        labels = [label.text(Text.Name) for label, _ in interface.relations(QAccessible.RelationFlag.Label)]
        assert len(labels) == 1, key
        assert labels[0] and labels[0] != "Not asked yet" and labels[0] in interface.text(Text.Description)


def test_the_login_error_is_read_as_its_text(qtbot):
    dialog = login_with_error()
    qtbot.addWidget(dialog)
    message = iface(dialog.message)
    assert message.role() == Role.StaticText
    assert message.text(Text.Name) == dialog.message.text() != ""


def test_the_recovery_key_is_read_as_the_key(qtbot, tmp_path: Path):
    database = tmp_path / "triage.db"
    dialog = FirstRunDialog(lambda u, n, p: initialise_store(database, u, n, p), str(database))
    qtbot.addWidget(dialog)
    dialog.show()
    for edit, text in ((dialog.username, "admin"), (dialog.display_name, "Service Admin"),
                       (dialog.password, "a long enough password"), (dialog.repeat, "a long enough password")):  # fmt: skip
        edit.setText(text)
    dialog.create_store()
    key = iface(dialog.key_label)
    assert key.text(Text.Name) == dialog.recovery_key
    assert key.text(Text.Description) == "Recovery key"


def test_the_referral_count_is_read_as_the_count(window):
    count = iface(window.home.count)
    assert count.text(Text.Name) == window.home.count.text()
    assert "referral" in count.text(Text.Name)
