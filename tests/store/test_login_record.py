"""The failed-login record of a local store under parallel guessing and tampering (issue 13, items 4, 5).

Parallel wrong guesses from many processes are each counted and each audited, so the account locks
after the designed five and the right password then fails like a wrong one. A ``.logins`` file that
is not what triage writes never crashes a login: it counts as recent failed logins (the next
failure waits the longest), is logged without identifiers, and is audited at the next login.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.store.test_store_locks import CHEAP_KDF, Workers
from triage.services.login import WRONG, AccountLocked, AuthenticationError, LoginPolicy, open_authenticated
from triage.services.login_state import UNREADABLE_AS, LoginState
from triage.services.store_setup import initialise_store
from triage.services.users import add_user
from triage.store.models import AuditEvent

ADMIN_PASSWORD, LEAD_PASSWORD = "correct horse battery", "leader password 1"
GUESSES = 12
POLICY = LoginPolicy()  # five failures lock the account for 15 minutes


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("logins")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("triage.store.keys.KDF_PARAMS", CHEAP_KDF)
        initialise_store(folder / "t.db", "admin", "The Admin", ADMIN_PASSWORD)
        store, admin = open_authenticated(folder / "t.db", "admin", ADMIN_PASSWORD)
        with store:
            add_user(store, admin, "lead", "The Lead", "team_leader", LEAD_PASSWORD)
    return folder


def fresh_store(template: Path, folder: Path) -> Path:
    folder.mkdir()
    for name in ("t.db", "t.db.keys"):
        shutil.copy2(template / name, folder / name)
    return folder / "t.db"


def login_events(database: Path) -> list[tuple[str, str, str]]:
    """The audit trail's login events, read by the admin (whose login moves the pending ones in)."""
    store, _admin = open_authenticated(database, "admin", ADMIN_PASSWORD, sleep=lambda _s: None)
    with store, store.read() as session:
        rows = session.execute(select(AuditEvent.actor, AuditEvent.action, AuditEvent.summary)
                               .where(AuditEvent.entity_type == "user_account").order_by(AuditEvent.id)).all()  # fmt: skip
    return [(actor, action, summary) for actor, action, summary in rows]


def test_parallel_wrong_guesses_lock_the_account_and_every_one_is_audited(template, tmp_path) -> None:
    pool = Workers(GUESSES)
    try:
        for attempt in range(20):
            database = fresh_store(template, tmp_path / f"run{attempt}")
            guess = {"login": str(database), "user": "lead"}
            answers = pool.ask([{**guess, "password": f"wrong guess {n}"} for n in range(GUESSES)])
            assert {a["result"] for a in answers} <= {"AuthenticationError", "AccountLocked"}, answers
            assert {a["message"] for a in answers} == {WRONG}  # a locked account reads as a wrong password
            with pytest.raises(AccountLocked, match=re.escape(WRONG)):
                open_authenticated(database, "lead", LEAD_PASSWORD, sleep=lambda _s: None)
            events = [(actor, action) for actor, action, _summary in login_events(database)]
            lead = [action for actor, action in events if actor == "lead"]
            assert lead.count("login_failed") == GUESSES + 1, events  # the 12 guesses and the right password
            assert lead.count("account_locked") == 1 and "login" not in lead, events
    finally:
        pool.close()


TAMPERED = {
    "deep": "[" * 100_000,  # json.loads: RecursionError
    "number for a date": json.dumps({"users": {"lead": {"locked_until": 5}}}),  # fromisoformat(5): TypeError
    "negative count": json.dumps({"users": {"lead": {"failures": -3}}}),
    "unknown field": json.dumps({"users": {}, "pending": [], "recent": [], "extra": 1}),
    "not utf-8": b"\xff\xfe\x00{".decode("latin-1"),
    "huge": json.dumps({"recent": ["2026-01-01T00:00:00+00:00"] * 200_000}),
}


@pytest.mark.parametrize("case", sorted(TAMPERED))
def test_a_tampered_login_record_fails_safe_and_never_crashes(case, template, tmp_path, caplog) -> None:
    database = fresh_store(template, tmp_path / "store")
    record = database.with_name("t.db.logins")
    record.write_text(TAMPERED[case], encoding="latin-1")
    waits: list[float] = []
    warnings = caplog.at_level(logging.WARNING, logger="triage.services.login_state")
    with warnings, pytest.raises(AuthenticationError, match=re.escape(WRONG)) as refused:
        open_authenticated(database, "lead", "a wrong guess", sleep=waits.append)
    assert type(refused.value) is AuthenticationError  # not locked out by the tampering
    assert waits == [POLICY.delay(UNREADABLE_AS + 1)]  # counted as recent failures: the longest wait
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "failed-login record beside a local store" in logged
    assert "lead" not in logged and "locked_until" not in logged and str(tmp_path) not in logged
    store, user = open_authenticated(database, "lead", LEAD_PASSWORD, sleep=waits.append)  # the right password
    store.close()
    events = login_events(database)
    assert ("lead", "login_failed", events[-3][2]) == events[-3] and events[-2][:2] == ("lead", "login")
    assert any(action == "login_failed" and "record was unreadable" in summary for _a, action, summary in events)
    assert LoginState.load(database).users == {}  # rewritten as a sound record


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)
shaped = st.fixed_dictionaries({}, optional={
    "users": st.dictionaries(st.sampled_from(["lead", "admin", "", " x"]), json_values
                             | st.fixed_dictionaries({}, optional={"failures": json_values, "locked_until": json_values})),
    "pending": st.lists(json_values | st.fixed_dictionaries({}, optional={"event": json_values, "user": json_values,
                                                                          "at": json_values}), max_size=3),
    "recent": st.lists(json_values, max_size=3),
})  # fmt: skip
contents = (
    st.binary(max_size=200) | json_values.map(json.dumps).map(str.encode) | shaped.map(json.dumps).map(str.encode)
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=contents)
def test_any_login_record_content_never_crashes_a_login(content, template, tmp_path_factory) -> None:
    database = template / "fuzz" / "t.db"
    if not database.exists():
        fresh_store(template, database.parent)
    database.with_name("t.db.logins").write_bytes(content)
    LoginState.load(database)
    with pytest.raises(AuthenticationError, match=re.escape(WRONG)):
        open_authenticated(database, "lead", "a wrong guess", sleep=lambda _s: None)
    state = LoginState.load(database)  # what the failure wrote back is a sound record
    assert state.pending and state.recent
