"""A screening page on its own, and its answers typed as a screener types them: key events to the
widget that takes each answer (the page writes them to its session; nothing here sets a widget)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from triage.resources import resource_path
from triage.rules.ruleset import load_ruleset
from triage.services.screening_session import ScreeningSession
from triage.settings import Contact, LiveSettings, ServiceSettings
from triage.ui.patient_banner import BannerFacts
from triage.ui.screening_page import ScreeningPage

RULESET = load_ruleset(resource_path("rules", "doncaster-2007.yaml"))
SETTINGS = ServiceSettings(
    crisis_contacts=(Contact(name="Doncaster crisis line", phone="0800 000 0000", hours="24/7"),)
)
LEVEL_KEY = {"low": "1", "medium": "2", "high": "3"}


def banner_facts() -> BannerFacts:
    from datetime import date

    return BannerFacts("Test", "Person", date(1986, 3, 14), "9434765919", date(2026, 11, 30), "gp",
                       "01302 000000", None)  # fmt: skip


def make_page(qtbot, session: ScreeningSession | None = None, *, meeting: bool = False,  # type: ignore[no-untyped-def]
              settings: ServiceSettings = SETTINGS) -> ScreeningPage:  # fmt: skip
    page = ScreeningPage(session or ScreeningSession(RULESET), LiveSettings(settings), "Test Person", banner_facts(),
                         meeting=meeting)  # fmt: skip
    qtbot.addWidget(page)
    page.resize(1300, 900)
    page.show()
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow)  # activation is asynchronous, even offscreen
    return page


def keys(qtbot, widget, text: str) -> None:  # type: ignore[no-untyped-def]
    for key in text:
        qtbot.keyClick(widget, key)


def type_scores(qtbot, page: ScreeningPage, phq9: str, gad7: str) -> None:  # type: ignore[no-untyped-def]
    for rows, answers in ((page.phq9.rows, phq9), (page.gad7.rows, gad7)):
        for row, digit in zip(rows, answers, strict=True):
            qtbot.keyClick(row, digit)


def type_ratings(qtbot, page: ScreeningPage, **levels: str) -> None:  # type: ignore[no-untyped-def]
    for variable, level in levels.items():
        qtbot.keyClick(page.raters[variable].levels_row, LEVEL_KEY[level])  # type: ignore[index]


def answer_risk_no(qtbot, page: ScreeningPage) -> None:  # type: ignore[no-untyped-def]
    for combo in page.risk_present.values():
        qtbot.keyClick(combo, Qt.Key.Key_N)


def tick(qtbot, box) -> None:  # type: ignore[no-untyped-def]
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_Space)


def fill_complete(qtbot, page: ScreeningPage, *, chronicity: str = "low", complexity: str = "low",  # type: ignore[no-untyped-def]
                  risk: str = "low", section6: bool = True) -> None:  # fmt: skip
    """Moderate depression, every rating given, risk asked, the main problem, and "None" for section 6."""
    type_scores(qtbot, page, "221121110", "2211101")
    type_ratings(qtbot, page, chronicity=chronicity, complexity=complexity, impairment="low", substance_use="low")
    answer_risk_no(qtbot, page)
    type_ratings(qtbot, page, risk=risk)
    qtbot.keyClick(page.descriptor, Qt.Key.Key_D)  # Depression
    if section6:
        tick(qtbot, page.ltc_none)
        tick(qtbot, page.mus_none)
