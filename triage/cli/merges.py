"""``triage referrals compare|merge|unmerge``: two records of one person, looked at side by side,
merged by a team leader and, when that was wrong, unmerged (services/merges.py checks, refuses and
audits each). ``merge`` looks at both records first, as the app's dialog does, and merges them as they
were seen. A refusal is one line naming the field, with nothing written: exit 1; input that is not
valid (a reason left out, an NHS number that fails its check): exit 2."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from triage.cli.common import EXIT_OK, login, print_json

if TYPE_CHECKING:
    from triage.cli.common import Commands
    from triage.services.merges import MergePreview, MergeSide

REFERRAL_HELP = "the referral's id or its service reference (e.g. DON-000123)"
OTHER_HELP = "the other record: a referral's id or service reference, or the person's NHS number"
# The store's vocabulary (triage/store/vocabulary.py), written out: building the parser must not load
# the store (a test checks the two stay equal).
MERGE_REASONS = ("confirmed_with_person", "gp_record", "nhs_number_mistyped", "other")


def register_merge_commands(referrals: Commands, store: argparse.ArgumentParser) -> None:
    """Add ``compare``, ``merge`` and ``unmerge`` to ``triage referrals``."""
    compare = referrals.add_parser(
        "compare", parents=[store], help="show two records side by side before merging them (team leader)",
        description="The two people side by side: name, date of birth, NHS number, referral count, and why a merge "
        "of them would be refused. Recorded as a view of each person.",
    )  # fmt: skip
    compare.add_argument("keep", metavar="REFERENCE_OR_ID", help=REFERRAL_HELP)
    compare.add_argument("other", metavar="OTHER", help=OTHER_HELP)
    compare.add_argument("--format", choices=("text", "json"), default="text")
    compare.set_defaults(command="referrals compare", handler=_compare)
    merge = referrals.add_parser(
        "merge", parents=[store], help="merge two records of the same person (team leader)",
        description="Every referral of the other record moves to the kept one, with its screenings, decisions and "
        "letters; the other record is kept, marked merged, so `triage referrals unmerge` can undo it. The dates of "
        "birth must agree, and --nhs-number must be the kept record's number: the one that is right.",
    )  # fmt: skip
    merge.add_argument("--keep", required=True, metavar="REFERENCE_OR_ID", help="the record kept: " + REFERRAL_HELP)
    merge.add_argument("--other", required=True, metavar="OTHER", help="the record merged into it: " + OTHER_HELP)
    merge.add_argument("--nhs-number", required=True, help="the NHS number that is right: the kept record's, again")
    merge.add_argument("--reason-category", required=True, choices=MERGE_REASONS, help="how they were found to be one")
    merge.add_argument("--reason", required=True, help="in words (kept with the merge, never in the audit trail)")
    merge.set_defaults(command="referrals merge", handler=_merge)
    unmerge = referrals.add_parser("unmerge", parents=[store], help="undo a merge, by its number (team leader)",
                                   description="The referrals the merge moved go back to the other record.")  # fmt: skip
    unmerge.add_argument("merge_id", metavar="MERGE", type=int, help="the merge's number, as the record shows it")
    unmerge.add_argument("--reason", required=True, help="why the merge was wrong, in words")
    unmerge.set_defaults(command="referrals unmerge", handler=_unmerge)


def _compare(args: argparse.Namespace) -> int:
    from triage.services.merges import merge_preview

    store, user = login(args, "merge_people")
    with store:
        preview = merge_preview(store, user, args.keep, args.other)
    if args.format == "json":
        print_json({"kept": _side_json(preview.this), "other": _side_json(preview.other),
                    "problems": list(preview.problems)})  # fmt: skip
    else:
        sys.stdout.write(side_by_side(preview))
    return EXIT_OK


def _merge(args: argparse.Namespace) -> int:
    from triage.services.inputs import parse
    from triage.services.merges import MergeInput, MergeRefused, merge_people, merge_preview

    data = parse(MergeInput, {"nhs_number": args.nhs_number, "reason_category": args.reason_category,
                              "reason": args.reason})  # fmt: skip
    store, user = login(args, "merge_people")
    with store:
        preview = merge_preview(store, user, args.keep, args.other)
        if preview.problems:
            raise MergeRefused("\n".join(preview.problems))
        this, other = preview.this, preview.other
        merge_id = merge_people(store, user, this.referral_id, other.referral_id, this.version, other.version, data)
    count = other.referral_count
    print(f"merge {merge_id}: {count} referral{'' if count == 1 else 's'} moved to the record of {this.reference}; "
          f"undo with `triage referrals unmerge {merge_id}`")  # fmt: skip
    return EXIT_OK


def _unmerge(args: argparse.Namespace) -> int:
    from triage.services.inputs import parse
    from triage.services.merges import UndoMergeInput, undo_merge

    data = parse(UndoMergeInput, {"undo_reason": args.reason})
    store, user = login(args, "merge_people")
    with store:
        undo_merge(store, user, args.merge_id, data)
    print(f"merge {args.merge_id} undone: its referrals are back with the other record")
    return EXIT_OK


def side_by_side(preview: MergePreview) -> str:
    rows = [("", "kept", "other"), ("Reference", preview.this.reference, preview.other.reference)]
    rows += [(label, read(preview.this), read(preview.other)) for label, read in SIDE_ROWS]
    width = max(len(r[1]) for r in rows) + 2
    lines = [f"{label:<15}{kept:<{width}}{other}".rstrip() for label, kept, other in rows]
    lines += [f"refused: {problem}" for problem in preview.problems] or ["may be merged"]
    return "\n".join(lines) + "\n"


SIDE_ROWS: tuple[tuple[str, Callable[[MergeSide], str]], ...] = (
    ("Name", lambda s: f"{s.given_name} {s.family_name.upper()}"),
    ("Date of birth", lambda s: s.date_of_birth.strftime("%d/%m/%Y")),
    ("NHS number", lambda s: f"{s.nhs_number[:3]} {s.nhs_number[3:6]} {s.nhs_number[6:]}"),
    ("Referrals", lambda s: str(s.referral_count)),
)


def _side_json(side: MergeSide) -> dict[str, Any]:
    return {"referral_id": side.referral_id, "reference": side.reference, "person_id": side.person_id,
            "given_name": side.given_name, "family_name": side.family_name,
            "date_of_birth": side.date_of_birth.isoformat(), "nhs_number": side.nhs_number,
            "referral_count": side.referral_count, "merged_into_id": side.merged_into_id}  # fmt: skip
