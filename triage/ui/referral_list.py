"""The referral list: a Qt table model over the store that fetches on demand, off the GUI thread
(``PagedTableModel``), with sorting and filtering done by the database (a list of 100,000 referrals
costs one page at a time)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import Qt

from triage.labels import labels
from triage.rules.ruleset import Ruleset, default_ruleset
from triage.services.referral_list import ReferralFilter, ReferralRow
from triage.ui.paged_model import PagedTableModel

PAGE_SIZE = 100
Page = Callable[[ReferralFilter, str, bool, int, int], list[ReferralRow]]
Count = Callable[[ReferralFilter], int]

# (heading, sort key in the database or None when the column cannot be sorted)
COLUMNS: tuple[tuple[str, str | None], ...] = (
    ("Received", "received_on"),
    ("Name", "family_name"),
    ("NHS number", None),
    ("Date of birth", None),
    ("Status", "status"),
    ("Route", "route"),
    ("Draft", None),
    ("Reference", None),  # the service reference read on the telephone; search finds it exactly
    ("Days waiting", "waiting"),  # since received, while open and not in treatment (docs/journey.md)
    ("Wait", None),  # the flag in words: "Over target", "Within target" (never a colour alone)
    ("Risk", None),  # the latest screening's rating, a word: "High", never a colour alone
    ("Clinician", None),  # the assigned clinician
    ("Screened by", None),  # who did the latest screening
)


def uk_date(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def nhs_display(number: str) -> str:
    return f"{number[:3]} {number[3:6]} {number[6:]}"


class ReferralListModel(PagedTableModel[ReferralRow]):
    COLUMNS = tuple(heading for heading, _ in COLUMNS)

    def __init__(
        self, page: Page, count: Count, parent: Any = None, *, load: bool = True, ruleset: Ruleset | None = None
    ) -> None:
        """``page`` and ``count`` run on a worker thread. ``load=False``: empty until the first
        ``set_filter`` (each load is a search in the audit trail, so the window does not load a list
        it is about to filter). ``ruleset``: the one in
        force, which names the routes (default: the shipped or configured one)."""
        super().__init__(parent)
        self._route_labels = (ruleset or default_ruleset()).outcome_labels
        self._page = page
        self._count = count
        self._filter = ReferralFilter()
        self._sort, self._descending = "received_on", True
        self._loaded = False
        if load:
            self.reload()

    def reload(self) -> None:
        self._loaded = True
        super().reload()

    def first_page(self) -> Callable[[], tuple[list[ReferralRow], int]]:
        page, count, flt, sort, descending = self._page, self._count, self._filter, self._sort, self._descending

        def call() -> tuple[list[ReferralRow], int]:
            total = count(flt)  # the search the services record (its count, never its text)
            return (page(flt, sort, descending, 0, PAGE_SIZE) if total else []), total

        return call

    def next_page(self, offset: int) -> Callable[[], list[ReferralRow]]:
        page, flt, sort, descending = self._page, self._filter, self._sort, self._descending
        return lambda: page(flt, sort, descending, offset, PAGE_SIZE)

    def cell(self, row: ReferralRow, column: int) -> str:
        if column == 0:
            return uk_date(row.received_on)
        if column == 1:
            return f"{row.family_name.upper()}, {row.given_name}"
        if column == 2:
            return nhs_display(row.nhs_number)
        if column == 3:
            return uk_date(row.date_of_birth)
        if column == 4:
            return labels().statuses[row.status] + (" (possible duplicate)" if row.duplicate else "")
        if column == 5:
            if row.route is None:
                return ""
            return self._route_labels.get(row.route, row.route) + (f", step {row.step}" if row.step else "")
        if column == 7:
            return row.reference
        if column == 8:
            return "" if row.days_waiting is None else str(row.days_waiting)
        if column == 9:
            return row.wait_flag
        if column == 10:
            return (row.risk or "").capitalize()
        if column == 11:
            return row.assigned_to or ""
        if column == 12:
            return row.screened_by or ""
        return "Draft saved" if row.has_draft else ""

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = COLUMNS[column][1] if 0 <= column < len(COLUMNS) else None
        if key is None:
            return
        self._sort, self._descending = key, order == Qt.SortOrder.DescendingOrder
        if self._loaded:
            self.reload()

    def set_order(self, key: str, descending: bool) -> None:
        """The order of the next load (``set_filter`` reloads): one the columns do not offer, such as
        the letters not yet sent, oldest decision first."""
        self._sort, self._descending = key, descending

    def set_filter(self, flt: ReferralFilter) -> None:
        self._filter = flt
        self.reload()

    def referral_id(self, row: int) -> str | None:
        found = self.row_at(row)
        return found.id if found else None
