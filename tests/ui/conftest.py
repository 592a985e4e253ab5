from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.keys import focused as focused
from tests.users import PWP
from triage.resources import resource_path
from triage.rules.ruleset import load_ruleset
from triage.settings import Contact, ServiceSettings
from triage.store import Store, open_store
from triage.ui.main_window import MainWindow

RULESET = load_ruleset(resource_path("rules", "doncaster-2007.yaml"))
SETTINGS = ServiceSettings(
    service_name="Doncaster Talking Therapies",
    crisis_contacts=(Contact(name="RDaSH crisis team", phone="0800 804 8999", hours="24 hours"),),
    duty_contacts=(Contact(name="Duty PWP", phone="01302 000 000", hours="9-5 weekdays"),),
)


@pytest.fixture(autouse=True)
def _settings_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never read or write the real user's settings."""
    monkeypatch.setenv("TRIAGE_SETTINGS", str(tmp_path / "settings.json"))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(tmp_path / "triage.db") as opened:
        yield opened


def listed(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    """The window's last search has answered (the list is fetched off the GUI thread)."""
    qtbot.waitUntil(lambda: not window.model.busy)


@pytest.fixture
def window(qtbot, store: Store) -> MainWindow:
    main = MainWindow(store, RULESET, SETTINGS, PWP)
    qtbot.addWidget(main)
    main.show()
    main.activateWindow()
    qtbot.waitUntil(main.isActiveWindow)
    listed(qtbot, main)
    return main
