"""Service references: the short id a person reads on the telephone (``DON-000123``), issue 14 item 6.

A reference is the store's three-letter prefix, a dash and a number of at least six digits from the
store's counter (``reference_counter``). Numbers are taken by incrementing the counter inside the
transaction that adds the referral; writes to a store are serialised (SQLite's ``BEGIN IMMEDIATE``,
PostgreSQL's write lock), so two processes adding referrals at once never get the same number, and
the unique index on ``referral.reference`` refuses a duplicate that got past that.

Across stores: the prefix differs per store (an administrator sets it; ``REF`` is the placeholder a
new or migrated store starts with), so a laptop's ``LAP-000001`` and the team server's
``DON-000001`` never collide when referrals move between them. An import keeps a referral's
reference, but refuses one carrying this store's own prefix (it was exported from here, or from a
store that shares the prefix: either way numbers could collide) and one already in the store.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from triage.services.permissions import User, require
from triage.store.audit import record_event
from triage.store.database import Store
from triage.store.errors import RefusedError
from triage.store.models import ReferenceCounter, Referral

PREFIX = re.compile(r"[A-Z]{3}")
PLACEHOLDER_PREFIX = "REF"
# What a person types to find one: "DON-000123", "don 123", "DON123".
_TYPED = re.compile(r"([A-Za-z]{3})[\s-]?([0-9]{1,9})")
BAD_PREFIX = "reference prefix: must be three capital letters A to Z, such as DON"


def format_reference(prefix: str, number: int) -> str:
    return f"{prefix}-{number:06d}"


def typed_reference(text: str) -> str | None:
    """The reference ``text`` names, in its stored form, or None when it is not one."""
    match = _TYPED.fullmatch(text.strip())
    return format_reference(match.group(1).upper(), int(match.group(2))) if match else None


def prefix_of(reference: str) -> str:
    return reference.partition("-")[0]


def next_references(session: Session, count: int = 1) -> list[str]:
    """``count`` new references, in order, taken from the counter in the caller's write transaction."""
    if count <= 0:
        return []
    session.execute(
        update(ReferenceCounter).where(ReferenceCounter.id == 1)
        .values(last_number=ReferenceCounter.last_number + count)
    )  # fmt: skip
    prefix, last = session.execute(
        select(ReferenceCounter.prefix, ReferenceCounter.last_number).where(ReferenceCounter.id == 1)
    ).one()
    return [format_reference(prefix, number) for number in range(last - count + 1, last + 1)]


def current_prefix(session: Session) -> str:
    return str(session.scalar(select(ReferenceCounter.prefix).where(ReferenceCounter.id == 1)))


def reference_prefix(store: Store) -> str:
    """This store's prefix for new references."""
    with store.read() as session:
        return current_prefix(session)


def set_reference_prefix(store: Store, user: User, prefix: str) -> None:
    """Set the prefix of the references given from now on (``settings``; audited). References already
    given keep theirs; the counter goes on, so no reference is ever given twice in this store."""
    require(user, "settings", store=store)
    prefix = prefix.strip()
    if not PREFIX.fullmatch(prefix):
        raise RefusedError(BAD_PREFIX)
    with store.write() as session:
        before = current_prefix(session)
        if before == prefix:
            return
        session.execute(update(ReferenceCounter).where(ReferenceCounter.id == 1).values(prefix=prefix))
        record_event(session, actor=user.username, entity_type="database", entity_id="referrals", action="update",
                     summary=f"reference prefix changed from {before} to {prefix}")  # fmt: skip


def give_references(session: Session, referrals: list[dict[str, Any]]) -> None:
    """This store's references, in file order, for the rows that carry none from another store. Two
    rows of one file carrying the same reference meet the unique index: the whole batch is refused."""
    unnumbered = [row for row in referrals if row["reference"] is None]
    for row, reference in zip(unnumbered, next_references(session, len(unnumbered)), strict=True):
        row["reference"] = reference


def carried_reference_problems(session: Session, references: Collection[str]) -> dict[str, str]:
    """For references an import carries from another store: each one this store must refuse, with
    why (safe to show: a reference names no one)."""
    own = current_prefix(session)
    problems = {ref: same_prefix(own) for ref in references if prefix_of(ref) == own}
    others = [ref for ref in references if ref not in problems]
    for start in range(0, len(others), 500):
        found = session.scalars(select(Referral.reference).where(Referral.reference.in_(others[start : start + 500])))
        problems.update({ref: ALREADY_HERE for ref in found})
    return problems


ALREADY_HERE = "reference: a referral with this reference is already in this store (was this file imported before?)"


def same_prefix(prefix: str) -> str:
    return (
        f"reference: has this store's own prefix {prefix}, so it was given here (an export imported back) or by "
        "another store with the same prefix, and its number could collide; every store needs its own prefix "
        "(an administrator sets it with `triage db prefix ABC`), or leave the reference empty to import the row "
        "as a new referral"
    )
