"""The budgets in force, in one place: docs/design.md, "Budgets" (change them there and here together;
tests/test_design_doc.py checks that every figure here is the one the table states).

Each benchmark reports its verdict against these figures and a ratio to the baseline it runs beside.
"""

from __future__ import annotations

ROUTING_VS_ZEN = 0.5  # routing one screening in process: at most 0.5x zen-engine on the same table
ROUTING_ALL_MS = 20.0  # all 2,187 matrix cells
ROUTE_COMMAND_VS_BARE = 5.0  # `triage route` for one case, against a bare interpreter start
STARTUP_VS_BARE = 1.3  # app start to the login window, against a bare PySide6 window
LOGIN_TO_MAIN_S = 0.5  # password accepted to the main window, argon2id unwrap included
LETTER_MS = 150.0  # GP letter PDF
LETTER_VS_MINIMAL = 4.0  # against a minimal one-page reportlab document
LIST_FIRST_SCREEN_MS = 50.0  # referral list: count + first page
LIST_EXACT_SEARCH_MS = 10.0  # NHS number, reference or date of birth
LIST_NAME_SEARCH_MS = 50.0
LIST_SORTED_PAGE_MS = 20.0  # first page sorted by any column
LIST_VS_RAW_SQL = 2.0  # each list query against raw SQL on the same engine and rows
IMPORT_VS_BARE_INSERT = 3.0  # against a bare sqlite3 insert with ids and one chained audit row each
IMPORT_PEAK_MB = 400.0  # peak resident memory of a 1,000,000-row import (it must not grow with the file)
REPORT_S = 2.0  # any report over 100,000 referrals on the encrypted store
AUTOSAVE_MS = 20.0
KEYSTROKES = 40  # keyboard-only screening, beyond typed text (tests/ui, docs/keyboard.md)


def verdict(within: bool) -> str:
    return "within budget" if within else "OVER BUDGET"
