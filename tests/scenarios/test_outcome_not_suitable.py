"""An outcome other than a route, typed key by key into the real main window (issue 15, item 2): the
screener finds the person is not suitable for the service and refers them back to the GP, choosing
the criterion that applied and giving the reason. Checks what is stored, what the read-only record
and ``triage referrals show`` say, and what the GP letter says: the criterion, and what the service
can and cannot help with."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.keys import focused, press
from tests.scenarios.clinical import CTRL, confirm, down_to, letter_text, stored, tab_to, to
from tests.scenarios.test_clinical_choices import moderate_depression_at_the_summary
from tests.scenarios.test_read_back_decided_referral import open_by_keyboard
from tests.users import PWP
from triage.services import record_as_text, referral_record
from triage.store.models import Decision

REASON = "Drinks daily from the morning; wants the drinking treated first"


def test_not_suitable_refer_back_to_the_gp_with_its_criterion(qtbot, window, store):  # type: ignore[no-untyped-def]
    referral_id, page = moderate_depression_at_the_summary(qtbot, window, store)
    assert focused() is page.route_choice
    assert not page.decision.criterion_choice.isEnabled()  # a matrix route needs no criterion
    down_to(qtbot, page.route_choice, "Not suitable for the service: refer back to the GP", limit=20)
    assert page.decision.criterion_choice.isEnabled()
    press(qtbot, Qt.Key.Key_Return, CTRL)
    assert window.screening is page and "Criterion: choose the criterion that applied" in page.problems.text()
    tab_to(qtbot, page.decision.criterion_choice)
    down_to(qtbot, page.decision.criterion_choice, "Substance dependency is the main problem")
    press(qtbot, Qt.Key.Key_Return, CTRL)
    assert window.screening is page and "Reason: say why you chose other than the recommendation" in (
        page.problems.text())  # fmt: skip
    tab_to(qtbot, page.override_reason)
    qtbot.keyClicks(focused(), REASON)

    dialog = confirm(qtbot, window)
    _screening, decision = stored(store, referral_id)
    assert (decision.recommended_route, decision.confirmed_route, decision.confirmed_step) == (
        "core_iapt", "not_suitable", None)  # fmt: skip
    with store.read() as session:
        row = session.get(Decision, decision.id)
        assert row is not None and (row.outcome_criterion, row.override_reason) == ("substance_primary", REASON)
    assert [dialog.kind.itemData(i) for i in range(dialog.kind.count())] == ["gp"]  # a GP letter only
    gp = letter_text(qtbot, dialog, "gp")
    assert "Our service is not the right one for Testgiven's needs, so we have discharged Testgiven" in gp
    assert "The criterion that applied: Substance dependency is the main problem." in gp
    assert f"In our words: {REASON}" in gp
    assert "We cannot help with" in gp and "a substance dependency, or substance use that is the main problem" in gp
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible())

    window.refresh_home()
    to(qtbot, window)
    open_by_keyboard(qtbot, window, "Testfamily1")
    record_page = window.record_page
    assert record_page is not None and record_page.record.referral.id == referral_id
    shown = record_page.sections["Decision"].toPlainText()
    assert "Chosen: Not suitable for the service: refer back to the GP — NOT the recommendation" in shown
    assert "Criterion: Substance dependency is the main problem" in shown
    assert f"Reason: {REASON}" in shown

    text = record_as_text(referral_record(store, PWP, referral_id))  # what `triage referrals show` prints
    assert "  Chosen: Not suitable for the service: refer back to the GP (an override of the recommendation)" in text
    assert "  Criterion: Substance dependency is the main problem" in text
