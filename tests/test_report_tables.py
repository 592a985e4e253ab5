"""Small-number suppression (issue 17 item 2; triage/services/report_tables.py), both ways: what is
hidden in the copy meant to leave the service, and what is not; and the rounding to the nearest 5 that
keeps a hidden figure from being worked out across tables."""

from __future__ import annotations

from triage.services.report_tables import Column, Table, nearest_five, share, suppress, suppression_note, with_total

COLUMNS = (Column("Where", "label"), Column("People"), Column("Share (%)", "share", rests_on=1))


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
    # kept, but rounded to the nearest 5, each share worked out again from the rounded figures
    assert shown(t) == {"A": ("5", "33"), "B": ("10", "67"), "C": ("0", "0"), "Total": ("15", "100")}
    assert suppression_note([t], 5).startswith("No figure needed hiding")
    assert "rounded to the nearest 5" in suppression_note([t], 5)


def test_a_small_count_is_hidden_with_its_share_and_a_second_so_the_total_cannot_give_it_away() -> None:
    t = suppress(table({"A": 3, "B": 12, "C": 7, "D": 0}))
    assert shown(t) == {"A": ("*", "*"), "B": ("10", "50"), "C": ("*", "*"), "D": ("0", "0"),
                        "Total": ("20", "100")}  # fmt: skip
    assert "4 figures hidden" in suppression_note([t], 5)


def test_two_small_counts_need_no_second_and_a_small_total_is_hidden_too() -> None:
    assert shown(suppress(table({"A": 1, "B": 2, "C": 30}))) == {
        "A": ("*", "*"), "B": ("*", "*"), "C": ("30", "86"), "Total": ("35", "100")}  # fmt: skip
    assert shown(suppress(table({"A": 1, "B": 2}))) == {"A": ("*", "*"), "B": ("*", "*"), "Total": ("*", "*")}


def test_without_a_total_row_only_the_small_counts_go_and_the_threshold_is_the_services() -> None:
    # with no total row the share's whole is not in the table: it is hidden rather than shown exact
    assert shown(suppress(table({"A": 4, "B": 12}, total=False))) == {"A": ("*", "*"), "B": ("10", "*")}
    assert shown(suppress(table({"A": 4, "B": 12}, total=False), threshold=3)) == {"A": ("5", "*"), "B": ("10", "*")}
    unsuppressed = table({"A": 1, "B": 2})
    assert unsuppressed.hidden == frozenset() and shown(unsuppressed)["A"] == ("1", "33.3")  # inside: as counted


def test_a_share_of_one_count_by_another_is_hidden_when_either_is() -> None:
    # the second "Referrals" (8) is hidden so the total cannot give the 3 away: a share of complete by
    # referrals would then give the 8 back (6 of them complete: 75.0), so it is hidden with it
    columns = (Column("Who", "label"), Column("Referrals"), Column("Complete"),
               Column("Share complete (%)", "share", rests_on=2, share_of=1))  # fmt: skip
    rows = [("a", 3, 0), ("b", 8, 6), ("c", 20, 10)]
    body = with_total(rows, columns[:3])
    t = suppress(Table("t", "counted", columns, tuple((*r, share(int(r[2] or 0), int(r[1] or 0))) for r in body),
                       total_row=True))  # fmt: skip
    assert [[t.shown(r, c) for c in (1, 2, 3)] for r in range(4)] == [
        ["*", "0", "*"], ["*", "5", "*"], ["20", "10", "50"], ["30", "15", "50"]]  # fmt: skip


def test_rounding_closes_the_gap_between_tables() -> None:
    """8 referrals, 3 undecided (hidden, with the 5 decided beside it): another table's total of the 5
    decided would give the 3 back as 8 - 5; rounded, 10 - 5 gives no exact figure."""
    decided = suppress(table({"No decision yet": 3, "Decided": 5}))
    agreement = suppress(table({"As recommended": 5, "Another route": 0}))
    assert shown(decided)["No decision yet"][0] == "*" and shown(decided)["Total"][0] == "10"
    assert shown(agreement)["Total"][0] == "5"  # 10 - 5 = 5, not the 3 hidden
    assert [nearest_five(n) for n in (0, 1, 2, 3, 7, 8, 12, 13)] == [0, 5, 5, 5, 5, 10, 10, 15]
