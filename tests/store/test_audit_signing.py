"""The signed audit trail (issue 13 item 7), on both databases: an insider holding a valid password (so
the database key) who rewrites the trail and recomputes its SHA-256 chain is reported by position,
unless they re-sign only their own events after the last countersignature, the window docs/access.md
states (and a test here holds it to)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.store.audit_attacks import renumbered, resign, rewrite_trail, trail
from tests.store.conftest import referral_input
from tests.users import CHEAP_KDF, as_pwp
from triage.services import create_referral
from triage.services.login import open_authenticated
from triage.services.maintenance import back_up
from triage.services.permissions import User
from triage.services.store_setup import create_store, encrypt_store
from triage.services.users import add_account, add_user, reset_password
from triage.store.audit import verify_audit_chain
from triage.store.database import Store, downgrade_schema, head_revision, open_store, schema_revision
from triage.store.integrity import verify_database
from triage.store.models import AuditCountersign, AuditEvent, AuditHead, AuditKey
from triage.store.signature_check import describe_signing
from triage.store.signing import Signer, fingerprint

ADMIN_PASSWORD, PWP_PASSWORD = "admin password 1", "pwp password 12"
NO_WAIT = {"sleep": lambda _seconds: None}


@pytest.fixture(autouse=True)
def cheap_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("triage.store.keys.KDF_PARAMS", CHEAP_KDF)


@pytest.fixture
def team(database_url: str) -> Iterator[str]:
    """A store set up by its admin, with one PWP added by the admin."""
    create_store(database_url, "admin", "The Admin", ADMIN_PASSWORD)
    with login(database_url, "admin", ADMIN_PASSWORD) as (store, admin):
        add_user(store, admin, "pwp", "A PWP", "pwp", PWP_PASSWORD)
    yield database_url


class login:
    """``with login(url, name, password) as (store, user)``: the app's login, closed at the end."""

    def __init__(self, database: str, name: str, password: str) -> None:
        self.store, self.user = open_authenticated(database, name, password, **NO_WAIT)  # type: ignore[arg-type]

    def __enter__(self) -> tuple[Store, User]:
        return self.store, self.user

    def __exit__(self, *exc: object) -> None:
        self.store.close()


def pwp_work(database: str, referrals: int = 3, password: str = PWP_PASSWORD, first: int = 1) -> list[int]:
    """The PWP logs in and creates referrals; returns the ids of their referral-creation events."""
    with login(database, "pwp", password) as (store, pwp):
        for serial in range(first, first + referrals):
            create_referral(store, pwp, referral_input(serial))
        with store.read() as session:
            query = select(AuditEvent.id).where(AuditEvent.actor == "pwp", AuditEvent.entity_type == "referral")
            return list(session.scalars(query.order_by(AuditEvent.id)))


def edit(target: int, signer: Signer | None = None) -> Callable[[list[dict[str, Any]]], None]:
    """Rewrite event ``target``'s summary (and re-sign it with ``signer``, its owner's key, if given)."""

    def change(rows: list[dict[str, Any]]) -> None:
        for row in rows:
            if row["id"] == target:
                row["summary"] = "nothing happened"
        if signer is not None:
            resign(rows, {target}, signer)

    return change


def problems(database: str) -> list[str]:
    # an admin's login countersigns first: that must not hide what was done before it
    with login(database, "admin", ADMIN_PASSWORD) as (store, _), store.read() as session:
        return verify_audit_chain(session)


def test_a_signed_store_verifies_and_says_signing_began_at_event_1(team: str) -> None:
    pwp_work(team)
    with login(team, "admin", ADMIN_PASSWORD) as (store, _):
        assert verify_database(store) == []
        with store.read() as session:
            signed = session.scalars(select(AuditEvent.signed_by)).all()
            described = describe_signing(session)
    assert signed and all(signed)
    assert described[0] == "signing: every audit event is signed (from event 1)"


def test_a_forged_event_is_reported_by_its_position(team: str) -> None:
    forged = pwp_work(team)[1]
    with login(team, "pwp", PWP_PASSWORD) as (store, _):  # the PWP's password opens the database
        rewrite_trail(store, edit(forged))
    assert f"audit event {forged}: the signature does not verify (forged, rewritten, reordered or renumbered " \
           "after it was signed)" in problems(team)  # fmt: skip


def test_an_insider_who_leaves_the_head_record_is_refused_at_the_next_open(team: str) -> None:
    """The record of the newest committed event (triage.store.tamper) also sees a rewritten trail on a
    local store, until the insider deletes or rewrites it too (tests.store.audit_attacks does). A
    server store keeps no such record beside it: there the signatures alone catch the rewrite."""
    from triage.store.errors import StoreTampered
    from triage.store.tamper import witness_path

    forged = pwp_work(team)[1]
    local = "://" not in team
    record = witness_path(Path(team)).read_bytes() if local else b""
    with login(team, "pwp", PWP_PASSWORD) as (store, _):
        rewrite_trail(store, edit(forged))
    if not local:
        assert any(p.startswith(f"audit event {forged}: the signature does not verify") for p in problems(team))
        return
    witness_path(Path(team)).write_bytes(record)  # the insider left it as it was
    with pytest.raises(StoreTampered, match="its audit trail no longer reaches event"):
        login(team, "admin", ADMIN_PASSWORD)


def test_reordered_events_are_reported_at_both_positions(team: str) -> None:
    first, second, _ = pwp_work(team)

    def swap(rows: list[dict[str, object]]) -> list[dict[str, object]]:
        at = {int(r["id"]): i for i, r in enumerate(rows)}  # type: ignore[call-overload]
        rows[at[first]], rows[at[second]] = rows[at[second]], rows[at[first]]
        return renumbered(rows)

    with login(team, "pwp", PWP_PASSWORD) as (store, _):
        rewrite_trail(store, swap)
    found = problems(team)
    assert any(p.startswith(f"audit events {first}, {second}: the signature does not verify") for p in found), found


def test_a_deleted_event_hidden_by_renumbering_is_reported_from_its_position(team: str) -> None:
    gone = pwp_work(team)[0]
    with login(team, "pwp", PWP_PASSWORD) as (store, _):
        rewrite_trail(store, lambda rows: renumbered([r for r in rows if r["id"] != gone]))
        last = len(trail(store))
    found = problems(team)
    assert any(p.startswith(f"audit events {gone}-{last}: the signature does not verify") for p in found), found


def test_an_event_passed_off_as_another_users_or_stripped_of_its_signature_is_reported(team: str) -> None:
    mine, other, _ = pwp_work(team)
    with login(team, "pwp", PWP_PASSWORD) as (store, _):
        signer = store.signer
        assert signer is not None

        def forge(rows: list[dict[str, Any]]) -> None:
            for row in rows:
                if row["id"] == mine:
                    row["actor"] = "admin"  # as if the admin had done it, signed with the PWP's own key
                if row["id"] == other:
                    row["signed_by"] = row["signature"] = None
            resign(rows, {mine}, signer)

        rewrite_trail(store, forge)
    found = problems(team)
    assert f"audit event {mine}: recorded as done by one user but signed with another's key (forged)" in found
    assert any(p.startswith(f"audit event {other}: unsigned, though signing began at event 1") for p in found)


def test_countersignatures_are_made_at_each_admin_login_and_each_backup(team: str, tmp_path: Path) -> None:
    with login(team, "admin", ADMIN_PASSWORD) as (store, admin):
        with store.read() as session:
            head = session.get(AuditHead, 1)
            marks = session.scalars(select(AuditCountersign).order_by(AuditCountersign.id)).all()
            key = session.scalars(select(AuditKey).where(AuditKey.username == "admin")).one()
        assert head is not None and marks[-1].reason == "admin login" and marks[-1].event_id == head.last_event_id
        assert [m.reason for m in marks] == ["store created", "admin login", "admin login"]
        assert {m.key_id for m in marks} == {key.key_id}
        if store.dialect == "sqlite":  # a team store is backed up with pg_dump
            for n in (1, 2):
                back_up(store, admin, tmp_path / f"backup{n}.db")
            with store.read() as session:
                backups = session.scalars(select(AuditCountersign).where(AuditCountersign.reason == "backup")).all()
                events = session.scalars(select(AuditEvent).where(AuditEvent.summary == "backup made")).all()
            assert [m.event_id for m in backups] == [e.id for e in events] and len(backups) == 2
        with store.read() as session:
            assert f"by admin, key {fingerprint(key.key_id)}" in describe_signing(session)[1]
        assert verify_database(store) == []


def test_an_owner_re_signing_their_event_is_caught_by_the_next_countersignature(team: str) -> None:
    target = pwp_work(team)[0]
    # the admin's login countersigns the head, after the PWP's events
    with login(team, "admin", ADMIN_PASSWORD) as (store, _), store.read() as session:
        countersigned = session.scalars(select(AuditCountersign.event_id).order_by(AuditCountersign.id)).all()
    with login(team, "pwp", PWP_PASSWORD) as (store, _):
        rewrite_trail(store, edit(target, store.signer))  # their own key: the event's signature verifies again
    previous = max(e for e in countersigned[:-1] if e < target)
    found = problems(team)
    assert not any("signature does not verify" in p for p in found), found
    assert f"the countersignature of event {countersigned[-1]} (admin login, key " in found[0]
    assert found[0].endswith(f"no longer matches the chain: audit events {previous + 1}-{countersigned[-1]} "
                             "include one changed, re-signed or removed after it was countersigned")  # fmt: skip


def test_the_window_an_owner_re_signing_their_events_after_the_last_countersignature_is_not_detected(team: str) -> None:
    """docs/access.md says so: until the next countersignature, a user can rewrite and re-sign their
    own events. This test keeps that sentence true (if it fails, the guarantee got stronger: say so there)."""
    with login(team, "admin", ADMIN_PASSWORD):
        pass  # the last countersignature, before the PWP's work
    ids = pwp_work(team)
    with login(team, "pwp", PWP_PASSWORD) as (store, _):
        rewrite_trail(store, edit(ids[0], store.signer))
        assert verify_database(store) == []  # not detected, as documented
        with store.read() as session:
            assert session.get(AuditEvent, ids[0]).summary == "nothing happened"  # type: ignore[union-attr]


def test_removing_signatures_to_move_where_signing_began_is_caught_by_a_countersignature(team: str) -> None:
    target = pwp_work(team)[0]

    def strip(rows: list[dict[str, object]]) -> None:
        for row in rows:
            if int(row["id"]) <= target:  # type: ignore[call-overload]
                row["signed_by"] = row["signature"] = None
                if row["id"] == target:
                    row["summary"] = "nothing happened"

    with login(team, "pwp", PWP_PASSWORD) as (store, _):
        rewrite_trail(store, strip)
    found = problems(team)
    assert any("does not verify: it was altered, or signatures were removed from the events before it" in p
               for p in found), found  # fmt: skip


def test_a_password_reset_gives_a_new_key_and_the_old_events_still_verify(team: str) -> None:
    before = pwp_work(team, referrals=1)
    with login(team, "admin", ADMIN_PASSWORD) as (store, admin):
        reset_password(store, admin, "pwp", "a new pwp password")
    after = pwp_work(team, referrals=1, password="a new pwp password", first=2)
    with login(team, "admin", ADMIN_PASSWORD) as (store, _):
        with store.read() as session:
            keys = session.scalars(select(AuditKey).where(AuditKey.username == "pwp")).all()
            signed_by = {e.id: e.signed_by for e in session.scalars(select(AuditEvent))}
        active = [k.key_id for k in keys if k.retired_at is None]
        assert len(keys) == 2 and len(active) == 1  # the old key retired (kept), a new one in use
        assert signed_by[after[-1]] == active[0] != signed_by[before[0]]
        assert verify_database(store) == []


def test_a_store_from_before_signing_keeps_verifying_and_says_where_signing_began(database_url: str) -> None:
    """A store the previous version (revision 0006) wrote: its events unsigned. It verifies as it is,
    is migrated, and from its first login on is signed; its old events are "before signing began"."""
    with open_store(database_url) as store:
        create_referral(store, as_pwp("pwp"), referral_input(1))
        if store.dialect == "postgresql":  # a team store already had accounts at 0006
            with store.write() as session:
                add_account(session, "admin", "The Admin", "admin", ADMIN_PASSWORD, actor="admin")
        downgrade_schema(store.engine, "0006")
        assert verify_database(store, older_schema_ok=True) == []
        with store.read() as session:
            unsigned = int(session.scalar(select(func.max(AuditEvent.id))) or 0)
    if database_url.endswith(".db"):  # a local store of 0006 was encrypted already; this one is made so now
        encrypt_store(database_url, "admin", "The Admin", ADMIN_PASSWORD)
    with login(database_url, "admin", ADMIN_PASSWORD) as (store, _):  # migrates to the newest schema
        assert schema_revision(store.engine) == head_revision()
        assert verify_database(store) == []
        with store.read() as session:
            described = describe_signing(session)
            first = session.scalar(select(func.min(AuditEvent.id)).where(AuditEvent.signature.is_not(None)))
    assert first == unsigned + 1 and unsigned >= 2
    assert described[0] == f"signing: audit events 1-{unsigned} are unsigned, before signing began at event {first}"
