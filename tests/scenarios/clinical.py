"""The steps the clinical scenarios share (live-call issue 12): keys typed where the focus is, or to the
widget that takes the answer, in the real main window; confirming by Ctrl+Return; and the letters read
from the letter dialog the window offers once the decision is saved. Opening the referral and the
high-risk alert come from test_live_call_risk_and_mus (one way to do each for a scenario). The
scenarios' ``store`` (with the GP practice) and ``window`` (a PWP's) fixtures are in conftest.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from tests.keys import answer, focused, press
from tests.ui.conftest import RULESET, SETTINGS
from tests.users import PWP, as_admin
from triage.services import get_referral, parse, save_gp_practice
from triage.services.inputs import GpPracticeInput
from triage.services.permissions import User
from triage.store import Store, open_store
from triage.store.models import Decision, Screening
from triage.ui.letter_dialog import LetterDialog
from triage.ui.main_window import MainWindow

ALT, CTRL = Qt.KeyboardModifier.AltModifier, Qt.KeyboardModifier.ControlModifier
SECTION_KEYS = {n: getattr(Qt.Key, f"Key_{n}") for n in range(1, 8)}
PRACTICE = {"code": "C84001", "name": "Example Street Surgery", "address": "2 Example Street\nDoncaster\nDN1 1AB",
            "gp_names": ("Dr A Example",)}  # fmt: skip


def to(qtbot, widget: QWidget) -> None:  # type: ignore[no-untyped-def]
    """Keyboard focus to ``widget``, its window active again (a closed modal can leave none active offscreen)."""
    widget.window().activateWindow()
    qtbot.waitUntil(widget.window().isActiveWindow)
    widget.setFocus()
    qtbot.waitUntil(widget.hasFocus)


def practice_store(folder: Path) -> Iterator[Store]:
    """A store with the GP practice the referrals name (the GP letter needs its address)."""
    with open_store(folder / "triage.db") as opened:
        save_gp_practice(opened, as_admin("admin"), parse(GpPracticeInput, PRACTICE))
        yield opened


def main_window(qtbot, store: Store, user: User) -> MainWindow:  # type: ignore[no-untyped-def]
    """The app's main window for ``user``, shown and active (shortcuts reach the active window only)."""
    window = MainWindow(store, RULESET, SETTINGS, user)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    return window


def section(qtbot, number: int) -> None:  # type: ignore[no-untyped-def]
    """Alt+N: to the section's first unanswered field."""
    press(qtbot, SECTION_KEYS[number], ALT)


def no_risk_found(qtbot, level: str, protective: str = "Partner and children") -> None:  # type: ignore[no-untyped-def]
    """The four risk questions answered No, the protective factors typed, Tab, the risk rating's digit."""
    answer(qtbot, "NNNN")
    qtbot.keyClicks(focused(), protective)
    press(qtbot, Qt.Key.Key_Tab)
    answer(qtbot, level)


def none_in_section_6(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Alt+6 Space, twice: "No long-term physical conditions", then "No medically unexplained symptoms"."""
    for _list in range(2):
        section(qtbot, 6)
        press(qtbot, Qt.Key.Key_Space)


def tab_to(qtbot, widget: QWidget, limit: int = 40) -> None:  # type: ignore[no-untyped-def]
    """Tab on, as a person does, until the focus is on ``widget``."""
    for _ in range(limit):
        if focused() is widget:
            return
        press(qtbot, Qt.Key.Key_Tab)
    raise AssertionError(f"{limit} Tabs never reached {widget.accessibleName()!r}")


def down_to(qtbot, combo, words: str, limit: int = 12) -> None:  # type: ignore[no-untyped-def]
    """Down in the focused drop-down until the item shown starts with ``words``."""
    assert focused() is combo, f"the focus is on {focused().accessibleName()!r}, not {combo.accessibleName()!r}"
    for _ in range(limit):
        if combo.currentText().startswith(words):
            return
        press(qtbot, Qt.Key.Key_Down)
    raise AssertionError(f"no item {words!r} in {combo.accessibleName()!r}")


def confirm(qtbot, window: MainWindow) -> LetterDialog:  # type: ignore[no-untyped-def]
    """Ctrl+Return with the window active; the decision saved, the letters it offers at once."""
    page = window.screening
    assert page is not None
    to(qtbot, focused() if page.isAncestorOf(focused()) else page.route_choice)
    press(qtbot, Qt.Key.Key_Return, CTRL)
    assert window.screening is None, page.problems.text()
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), LetterDialog), timeout=10_000)
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, LetterDialog)
    return dialog


def letter_text(qtbot, dialog: LetterDialog, kind: str) -> str:  # type: ignore[no-untyped-def]
    """The letter of ``kind`` as the dialog shows it (Down in its "Kind of letter" box until it is chosen)."""
    for _ in range(dialog.kind.count()):
        if dialog.kind.currentData() == kind:
            break
        qtbot.keyClick(dialog.kind, Qt.Key.Key_Down)
    assert dialog.kind.currentData() == kind and dialog.letter is not None, dialog.notice.text()
    return " ".join(dialog.letter.paragraphs)


def stored(store: Store, referral_id: str) -> tuple[Screening, Decision]:
    """The referral's one screening and one decision, as the store holds them."""
    referral = get_referral(store, PWP, referral_id)
    assert len(referral.screenings) == 1 and len(referral.decisions) == 1, "one screening, one decision"
    return referral.screenings[0], referral.decisions[0]
