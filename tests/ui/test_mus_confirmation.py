"""The GP's confirmation for MUS on the screening page (issue 15, item 7): asked only once MUS is
ticked, its date only once it is ticked, and a stored date shown as the form's dates are typed."""

from __future__ import annotations

from PySide6.QtCore import Qt

from triage.services.screening_form import condition_lists
from triage.services.screening_session import ScreeningSession

from .conftest import RULESET
from .screening_keys import make_page, tick

MUS_KIND = condition_lists().medically_unexplained_symptoms[0]


def test_the_confirmation_is_enabled_with_mus_and_its_date_with_the_tick(qtbot):  # type: ignore[no-untyped-def]
    page = make_page(qtbot)
    assert not page.mus_confirmed.isEnabled() and not page.mus_confirmed_on.isEnabled()
    tick(qtbot, page.mus_boxes[0])
    assert page.mus_confirmed.isEnabled() and not page.mus_confirmed_on.isEnabled()
    tick(qtbot, page.mus_confirmed)
    assert page.mus_confirmed_on.isEnabled()
    assert page.session.form.assessment["mus_confirmation"] == {"gp_confirmed": True, "confirmed_on": ""}
    tick(qtbot, page.mus_none)  # no MUS after all: the confirmation goes with it
    assert "mus_confirmation" not in page.session.form.assessment
    assert not page.mus_confirmed.isChecked() and not page.mus_confirmed.isEnabled()


def test_a_stored_iso_date_is_shown_as_dd_mm_yyyy(qtbot):  # type: ignore[no-untyped-def]
    session = ScreeningSession(RULESET)
    session.set_mus_kinds([MUS_KIND])
    session.update_assessment("mus_confirmation", {"gp_confirmed": True, "confirmed_on": "2026-11-20"})
    page = make_page(qtbot, session)
    assert page.mus_confirmed.isChecked() and page.mus_confirmed_on.text() == "20/11/2026"
    qtbot.keyClick(page.mus_confirmed_on, Qt.Key.Key_Backspace)  # an edit writes what the field shows
    assert session.form.assessment["mus_confirmation"]["confirmed_on"] == "20/11/202"
