"""A team leader merges two records of the same person by keyboard, then undoes it (issue 15, item 9,
second half), through the real windows.

The decided record is opened from the list; Alt+R opens "Merge with another record", where the other
record's reference is typed and Return shows the two side by side. The NHS number typed first is the
other record's: refused, the field named, nothing written. With the kept record's number, a reason
chosen and typed, Return merges them: the record shows the merge and the other referral as the
person's, the store has one merge with exactly that referral moved, the audit has ids and the reason
category only. Alt+U undoes it, with a reason: the referral is back with its own record and the
record says the merge was undone. A PWP's record offers neither."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from sqlalchemy import select

from tests.keys import focused, press, when_modal
from tests.scenarios.clinical import ALT, main_window, to
from tests.scenarios.test_correct_identifiers import closing_on_failure, failures
from tests.scenarios.test_read_back_decided_referral import open_by_keyboard
from tests.store.conftest import make_nhs_number, referral_input
from tests.store.test_letters_store import decided
from tests.users import LEADER, PWP
from triage.services import create_referral, get_referral
from triage.store.models import AuditEvent, PersonMerge
from triage.ui.merge_dialog import MergeDialog, UndoMergeDialog

REASON = "The GP record shows one person; the second NHS number was mistyped"
UNDO = "The GP practice says these are two different people"
SCREENSHOT = Path("/tmp/merge-dialog.png")


def test_a_leader_merges_two_records_by_keyboard_and_undoes_it(qtbot, store) -> None:  # type: ignore[no-untyped-def]
    failures.clear()
    kept_id, _ = decided(store, referral={"family_name": "Mergeable"})
    other_id = create_referral(store, PWP, referral_input(2, family_name="Mergeable")).id
    other_reference = get_referral(store, PWP, other_id).reference
    window = main_window(qtbot, store, LEADER)
    open_by_keyboard(qtbot, window, get_referral(store, PWP, kept_id).reference)
    page = window.record_page
    assert page is not None and page.record.referral.id == kept_id
    assert page.unmerge_button is not None and not page.unmerge_button.isVisibleTo(page)
    seen: dict[str, str] = {}

    def merge(dialog: MergeDialog) -> None:
        to(qtbot, dialog.other)
        qtbot.keyClicks(dialog.other, other_reference.lower())
        press(qtbot, Qt.Key.Key_Return)  # look it up: both side by side
        assert focused() is dialog.table and dialog.preview is not None
        seen["this"] = " | ".join(dialog.table.item(r, 0).text() for r in range(dialog.table.rowCount()))
        seen["other"] = " | ".join(dialog.table.item(r, 1).text() for r in range(dialog.table.rowCount()))
        press(qtbot, Qt.Key.Key_Tab)
        assert focused() is dialog.keep  # "This record" is kept
        press(qtbot, Qt.Key.Key_Tab)
        qtbot.keyClicks(focused(), make_nhs_number(2))  # the other record's number: refused
        press(qtbot, Qt.Key.Key_Tab)
        press(qtbot, Qt.Key.Key_Down)  # the first reason: confirmed with the person
        press(qtbot, Qt.Key.Key_Tab)
        qtbot.keyClicks(focused(), REASON)
        dialog.grab().save(str(SCREENSHOT))
        press(qtbot, Qt.Key.Key_Return)
        seen["refused"] = dialog.problems.text()
        dialog.grab().save(str(SCREENSHOT.with_name("merge-dialog-refused.png")))
        assert focused() is dialog.nhs_number
        press(qtbot, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClicks(dialog.nhs_number, make_nhs_number(1))
        press(qtbot, Qt.Key.Key_Return)

    when_modal(qtbot, MergeDialog, closing_on_failure(merge))
    press(qtbot, Qt.Key.Key_R, ALT)
    qtbot.waitUntil(lambda: failures or (window.record_page is not page and window.record_page is not None),
                    timeout=10_000)  # fmt: skip
    assert not failures, failures
    assert seen["this"].endswith(f"| 14/03/1985 | {make_nhs_number(1)[:3]} {make_nhs_number(1)[3:6]} "
                                 f"{make_nhs_number(1)[6:]} | 1")  # fmt: skip
    assert seen["other"].startswith(f"{other_reference} | Testgiven MERGEABLE | 14/03/1985")
    assert "NHS number that is right" in seen["refused"] and "other record&#x27;s NHS number" in seen["refused"]
    assert make_nhs_number(2) not in seen["refused"]

    page = window.record_page
    assert page is not None
    merges = page.sections["Merges"].toPlainText()
    assert "merge 1: the record with NHS number" in merges and "merged into this one (1 referral moved here)" in merges
    assert f"(Confirmed with the person: {REASON}) by {LEADER.username}" in merges
    assert (
        "None: this is the person's only referral."
        not in page.sections["Other referrals for this person"].toPlainText()
    )
    assert get_referral(store, PWP, other_id).person_id == get_referral(store, PWP, kept_id).person_id
    with store.read() as session:
        (row,) = session.scalars(select(PersonMerge)).all()  # the refused merge wrote nothing
        assert (row.referral_ids, row.reason_category, row.reason) == ([other_id], "confirmed_with_person", REASON)
        summaries = list(session.scalars(select(AuditEvent.summary).where(AuditEvent.summary.like("merge%"))))
        views = list(session.scalars(select(AuditEvent.summary).where(AuditEvent.action == "view",
                                                                       AuditEvent.entity_type == "person")))  # fmt: skip
    assert len(summaries) == 3 and not any("Mergeable" in s or "999" in s or "GP record shows" in s for s in summaries)
    assert len(views) == 2  # the side-by-side look, once for each person
    assert page.unmerge_button is not None and page.unmerge_button.isVisibleTo(page)

    to(qtbot, page.banner.text)

    def undo(dialog: UndoMergeDialog) -> None:
        to(qtbot, dialog.merge)
        press(qtbot, Qt.Key.Key_Tab)
        qtbot.keyClicks(focused(), UNDO)
        press(qtbot, Qt.Key.Key_Return)

    when_modal(qtbot, UndoMergeDialog, closing_on_failure(undo))
    press(qtbot, Qt.Key.Key_U, ALT)
    qtbot.waitUntil(lambda: failures or (window.record_page is not page and window.record_page is not None),
                    timeout=10_000)  # fmt: skip
    assert not failures, failures
    page = window.record_page
    assert page is not None
    assert f"merge 1 undone ({UNDO}) by {LEADER.username}" in page.sections["Merges"].toPlainText()
    assert "None: this is the person's only referral." in page.sections["Other referrals for this person"].toPlainText()
    assert get_referral(store, PWP, other_id).person_id != get_referral(store, PWP, kept_id).person_id
    assert page.unmerge_button is not None and not page.unmerge_button.isVisibleTo(page)


def test_a_pwps_record_offers_no_merge(qtbot, store) -> None:  # type: ignore[no-untyped-def]
    kept_id, _ = decided(store)
    window = main_window(qtbot, store, PWP)
    window.open_referral(kept_id)
    page = window.record_page
    assert page is not None and page.merge_button is None and page.unmerge_button is None
    assert "Merge" not in " ".join(b.text() for b in page.buttons())
