"""Small-number suppression (issue 17 item 2; triage/services/report_tables.py), both ways: what is
hidden in the copy meant to leave the service, and what is not."""

from __future__ import annotations

from triage.services.report_tables import Column, Table, share, suppress, suppression_note, with_total

COLUMNS = (Column("Where", "label"), Column("People"), Column("Share (%)", "derived", rests_on=1))


def table(counts: dict[str, int], *, total: bool = True) -> Table:
    rows = [(label, n) for label, n in counts.items()]
    whole = sum(counts.values())
    body = with_total(rows, COLUMNS[:2]) if total else tuple(rows)
    return Table(
        "t", "counted", COLUMNS, tuple((*row, share(int(row[1] or 0), whole)) for row in body), total_row=total
    )


def shown(t: Table) -> dict[str, tuple[str, str]]:
    return {str(t.rows[r][0]): (t.shown(r, 1), t.shown(r, 2)) for r in range(len(t.rows))}


def test_nothing_under_the_threshold_nothing_hidden() -> None:
    t = suppress(table({"A": 5, "B": 12, "C": 0}))
    assert t.hidden == frozenset()
    assert shown(t) == {"A": ("5", "29.4"), "B": ("12", "70.6"), "C": ("0", "0.0"), "Total": ("17", "100.0")}
    assert suppression_note([t], 5).startswith("No figure needed hiding")


def test_a_small_count_is_hidden_with_its_share_and_a_second_so_the_total_cannot_give_it_away() -> None:
    t = suppress(table({"A": 3, "B": 12, "C": 7, "D": 0}))
    assert shown(t) == {"A": ("*", "*"), "B": ("12", "54.5"), "C": ("*", "*"), "D": ("0", "0.0"),
                        "Total": ("22", "100.0")}  # fmt: skip
    assert "4 figures hidden" in suppression_note([t], 5)


def test_two_small_counts_need_no_second_and_a_small_total_is_hidden_too() -> None:
    assert shown(suppress(table({"A": 1, "B": 2, "C": 30}))) == {
        "A": ("*", "*"), "B": ("*", "*"), "C": ("30", "90.9"), "Total": ("33", "100.0")}  # fmt: skip
    assert shown(suppress(table({"A": 1, "B": 2}))) == {"A": ("*", "*"), "B": ("*", "*"), "Total": ("*", "*")}


def test_without_a_total_row_only_the_small_counts_go_and_the_threshold_is_the_services() -> None:
    assert shown(suppress(table({"A": 4, "B": 12}, total=False))) == {"A": ("*", "*"), "B": ("12", "75.0")}
    assert shown(suppress(table({"A": 4, "B": 12}, total=False), threshold=3)) == {"A": ("4", "25.0"),
                                                                                   "B": ("12", "75.0")}  # fmt: skip
    unsuppressed = table({"A": 1, "B": 2})
    assert unsuppressed.hidden == frozenset() and shown(unsuppressed)["A"] == ("1", "33.3")  # inside: as counted


def test_a_share_of_one_count_by_another_is_hidden_when_either_is() -> None:
    # the second "Referrals" (8) is hidden so the total cannot give the 3 away: a share of complete by
    # referrals would then give the 8 back (6 of them complete: 75.0), so it is hidden with it
    columns = (Column("Who", "label"), Column("Referrals"), Column("Complete"),
               Column("Share complete (%)", "derived", rests_on=(2, 1)))  # fmt: skip
    rows = [("a", 3, 0), ("b", 8, 6), ("c", 20, 10)]
    body = with_total(rows, columns[:3])
    t = suppress(Table("t", "counted", columns, tuple((*r, share(int(r[2] or 0), int(r[1] or 0))) for r in body),
                       total_row=True))  # fmt: skip
    assert [[t.shown(r, c) for c in (1, 2, 3)] for r in range(4)] == [
        ["*", "0", "*"], ["*", "6", "*"], ["20", "10", "50.0"], ["31", "16", "51.6"]]  # fmt: skip
