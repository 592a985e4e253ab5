"""The window's three pages answer its page protocol (triage.ui.pages), and the window goes through it."""

from __future__ import annotations

from datetime import date

from tests.users import PWP, as_pwp
from triage.services import create_referral, parse
from triage.services.inputs import ReferralInput
from triage.ui.main_window import MainWindow
from triage.ui.pages import Page

from .conftest import RULESET, SETTINGS

PERSON = {"nhs_number": "9990000018", "given_name": "Alex", "family_name": "Example", "date_of_birth": "1986-03-14",
          "source": "gp"}  # fmt: skip


def test_the_list_the_record_and_the_screening_are_pages_and_the_window_lists_them(qtbot, store):
    referral = create_referral(store, as_pwp("pwp.tester"), parse(ReferralInput, {
        **PERSON, "received_on": date.today().isoformat()}))  # fmt: skip
    window = MainWindow(store, RULESET, SETTINGS, PWP)
    qtbot.addWidget(window)
    window.show()
    window.open_referral(referral.id)  # not screened yet: its screening
    assert window.screening is not None
    assert [type(page).__name__ for page in window.pages()] == ["ReferralsPage", "ScreeningPage"]
    assert all(isinstance(page, Page) for page in window.pages())
    qtbot.keyClick(window.screening.phq9.rows[0], "1")
    window.clear_patient_pages()  # what the idle lock and a log-out do
    assert window.screening is None and window.pages() == [window.home]
    assert "Example" not in window.home.count.text() and window.home.model.rowCount() == 0


def test_a_screening_cannot_be_left_while_its_high_risk_alert_waits(qtbot, store, monkeypatch):
    referral = create_referral(store, as_pwp("pwp.tester"), parse(ReferralInput, {
        **PERSON, "received_on": date.today().isoformat()}))  # fmt: skip
    window = MainWindow(store, RULESET, SETTINGS, PWP)
    qtbot.addWidget(window)
    window.show()
    window.open_referral(referral.id)
    page = window.screening
    assert page is not None
    page._alert_open = True  # the modal alert, as raise_high_risk_alert marks it while it waits
    window.close_screening()
    assert window.screening is page and not page.can_leave()
    page._alert_open = False
    window.close_screening()
    assert window.screening is None
