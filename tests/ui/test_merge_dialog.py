"""The merge dialogs (issue 15 item 9): every field a keyboard reaches is named for a screen reader;
before the other record is looked up only the lookup is offered; a pair the service would refuse is
shown side by side with why, and nothing past the lookup can be filled in; a record nobody has, and a
role that may not merge, are said in the dialog by field with nothing written."""

from __future__ import annotations

from sqlalchemy import select

from tests.store.conftest import referral_input
from tests.ui.a11y import spoken_name, unnamed_interactive_widgets
from tests.ui.conftest import RULESET, SETTINGS
from tests.users import LEADER, PWP
from triage.services import create_referral
from triage.services.referral_record import referral_record
from triage.store.models import PersonMerge
from triage.ui.main_window import MainWindow
from triage.ui.merge_dialog import MergeDialog


def leader_window(qtbot, store, user=LEADER) -> MainWindow:  # type: ignore[no-untyped-def]
    window = MainWindow(store, RULESET, SETTINGS, user)
    qtbot.addWidget(window)
    return window


def test_every_field_is_named_and_only_the_lookup_is_offered_first(qtbot, store) -> None:  # type: ignore[no-untyped-def]
    kept = create_referral(store, PWP, referral_input(1)).id
    dialog = MergeDialog(leader_window(qtbot, store), referral_record(store, LEADER, kept))
    qtbot.addWidget(dialog)
    dialog.show()
    assert unnamed_interactive_widgets(dialog) == []
    assert spoken_name(dialog.table) == "The two records side by side"
    assert spoken_name(dialog.nhs_number) == "NHS number that is right"
    assert dialog.action_button.text() == "Look up the other record"
    assert not any(w.isEnabled() for w in (dialog.keep, dialog.nhs_number, dialog.reason_category, dialog.reason))


def test_a_pair_the_service_refuses_is_shown_with_why_and_cannot_be_filled_in(qtbot, store) -> None:  # type: ignore[no-untyped-def]
    kept = create_referral(store, PWP, referral_input(1)).id
    other = create_referral(store, PWP, referral_input(2, date_of_birth="1990-01-01")).id
    dialog = MergeDialog(leader_window(qtbot, store), referral_record(store, LEADER, kept))
    qtbot.addWidget(dialog)
    dialog.other.setText(other)
    dialog.accept()
    assert dialog.preview is not None and dialog.table.item(2, 1).text() == "01/01/1990"
    assert "<b>Date of birth</b>: the two records give different dates of birth" in dialog.problems.text()
    assert not dialog.nhs_number.isEnabled() and dialog.action_button.text() == "Look up the other record"
    for typed, field in (("XYZ-000999", "Other record"), ("", "Other record")):
        dialog.other.setText(typed)
        dialog.accept()
        assert f"<b>{field}</b>" in dialog.problems.text() and dialog.result() == 0


def test_a_pwp_is_refused_in_the_dialog_and_nothing_is_written(qtbot, store) -> None:  # type: ignore[no-untyped-def]
    kept = create_referral(store, PWP, referral_input(1)).id
    other = create_referral(store, PWP, referral_input(2)).id
    dialog = MergeDialog(leader_window(qtbot, store, PWP), referral_record(store, PWP, kept))
    qtbot.addWidget(dialog)
    dialog.other.setText(other)
    dialog.accept()
    assert "your role does not allow this (merge people)" in dialog.problems.text() and dialog.preview is None
    with store.read() as session:
        assert session.scalars(select(PersonMerge)).all() == []
