"""What the main window asks of the page it shows: the referral list, a referral's record or its
screening. The window goes through these three and never reaches into a page's widgets (live-call
issue: the window was a god object that stopped other pages' timers and read their tick boxes).

- ``flush``: finish what is in hand before the page is left, locked or logged out of (a search still
  waiting to run is dropped; a screening's answers are in its session already, saved by its controller);
- ``can_leave``: whether the page may go now (a screening's high-risk alert must be answered first);
- ``clear_patient_details``: every patient detail off the page, not merely out of sight (the idle lock,
  a log-out, a switch of user).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class Page(Protocol):
    def flush(self) -> None: ...

    def can_leave(self) -> bool: ...

    def clear_patient_details(self) -> None: ...
