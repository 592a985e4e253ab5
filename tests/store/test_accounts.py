"""Accounts and roles (issue 6): the permission table both ways, login throttling and lockout with
their audit events (a local encrypted store and a PostgreSQL team store), the audit viewer's query
and CSV export, and TLS required for PostgreSQL."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.store.conftest import referral_input
from tests.users import CHEAP_KDF, as_pwp
from triage.services import create_referral, get_referral
from triage.services.audit_trail import audit_events, export_audit_csv
from triage.services.credentials import AccountError
from triage.services.login import (
    WRONG,
    AccountLocked,
    AuthenticationError,
    LoginPolicy,
    lock_session,
    open_authenticated,
    unlock_session,
)
from triage.services.permissions import ACTIONS, PERMISSIONS, PermissionDenied, User, require
from triage.services.store_setup import initialise_store
from triage.services.users import add_user, list_users, remove_user, set_role, unlock_account
from triage.store import StoreLocationError, resolve_database_url
from triage.store.models import AuditEvent

PASSWORD = "correct horse battery"
ROLES = ("pwp", "team_leader", "admin")


@pytest.fixture(autouse=True)
def fast_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("triage.store.keys.KDF_PARAMS", CHEAP_KDF)


def events(store, action: str | None = None) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    with store.read() as session:
        query = select(AuditEvent).order_by(AuditEvent.id)
        if action:
            query = query.where(AuditEvent.action == action)
        return [(e.actor, e.action, e.summary) for e in session.scalars(query)]


@pytest.mark.parametrize("action", ACTIONS)
def test_every_permission_is_allowed_and_refused_as_the_table_says(store, action: str) -> None:  # type: ignore[no-untyped-def]
    assert PERMISSIONS[action], f"{action}: nobody may do it"
    for role in ROLES:
        user = User(f"user-{role}", role, role)
        if role in PERMISSIONS[action]:
            require(user, action, store=store)  # type: ignore[arg-type]
            assert user.can(action)  # type: ignore[arg-type]
        else:
            with pytest.raises(PermissionDenied, match="your role does not allow this"):
                require(user, action, store=store)  # type: ignore[arg-type]
            assert (f"user-{role}", "permission_denied", f"refused: {action}") in events(store, "permission_denied")


def test_the_roles_follow_the_issue() -> None:
    roles = {role: {a for a in ACTIONS if role in PERMISSIONS[a]} for role in ROLES}
    assert {"screen", "decide", "view_referral", "search"} <= roles["pwp"]
    assert (
        roles["pwp"] < roles["team_leader"]
        and {"confirm_in_meeting", "override_any"} <= roles["team_leader"] - roles["pwp"]
    )
    assert {"settings", "rulesets", "users", "audit_view"} <= roles["admin"]
    assert not roles["admin"] & {"view_referral", "screen", "decide", "search", "export"}  # need to know


def test_guarded_services_check_the_role(store) -> None:  # type: ignore[no-untyped-def]
    admin, pwp = User("admin", "Admin", "admin"), User("pwp1", "P", "pwp")
    referral = create_referral(store, as_pwp("pwp1"), referral_input(1)).id
    assert get_referral(store, pwp, referral).id == referral
    assert ("pwp1", "view", "viewed") in events(store, "view")
    with pytest.raises(PermissionDenied):
        get_referral(store, admin, referral)
    rows, total = audit_events(store, admin, action="view")
    assert total == 1 and rows[0].actor == "pwp1"
    with pytest.raises(PermissionDenied):
        audit_events(store, pwp)
    stream = io.StringIO()
    assert export_audit_csv(store, admin, stream, actor="pwp1") >= 2
    assert stream.getvalue().splitlines()[0] == "id,occurred_at,actor,action,entity_type,entity_id,summary"
    with pytest.raises(PermissionDenied):
        export_audit_csv(store, pwp, io.StringIO())
    for guarded in (lambda u: add_user(store, u, "x1", "X", "pwp", "a long password"), lambda u: list_users(store, u),
                    lambda u: set_role(store, u, "pwp1", "admin"), lambda u: unlock_account(store, u, "pwp1"),
                    lambda u: remove_user(store, u, "pwp1")):  # fmt: skip
        with pytest.raises(PermissionDenied):
            guarded(pwp)


def test_lockout_after_repeated_failures_and_its_audit_local(tmp_path: Path) -> None:
    path = tmp_path / "triage.db"
    initialise_store(path, "admin", "Admin", PASSWORD)
    policy, slept = LoginPolicy(max_failures=3, base_delay=1.0, max_delay=3.0), []
    store, admin = open_authenticated(path, "admin", PASSWORD)
    with store:
        add_user(store, admin, "pwp1", "P", "pwp", "pwp password 1")
    for _ in range(3):
        with pytest.raises(AuthenticationError):
            open_authenticated(path, "pwp1", "wrong password", policy=policy, sleep=slept.append)
    assert slept == [1.0, 2.0, 3.0]  # increasing, bounded
    with pytest.raises(AccountLocked) as locked:
        open_authenticated(path, "pwp1", "pwp password 1", policy=policy, sleep=slept.append)  # even the right one
    with pytest.raises(AuthenticationError) as unknown:
        open_authenticated(path, "no-such-user", "whatever it is", policy=policy, sleep=slept.append)
    # a locked account and a name that does not exist read and wait alike: no username is given away
    assert str(locked.value) == str(unknown.value) == WRONG and slept[-2:] == [3.0, 3.0]
    store, admin = open_authenticated(path, "admin", PASSWORD, policy=policy)
    with store:
        trail = events(store)
        assert trail.count(("pwp1", "login_failed", trail[-6][2])) == 1
        assert [a for (_, a, _) in trail[-7:]] == ["login_failed"] * 3 + ["account_locked", "login_failed",
                                                                          "login_failed", "login"]  # fmt: skip
        assert trail[-2][0] == "unknown user" and "no-such-user" not in str(trail)
        assert [u.locked for u in list_users(store, admin) if u.username == "pwp1"] == [True]
        unlock_account(store, admin, "pwp1")
        assert events(store, "account_unlocked") == [("admin", "account_unlocked", "account unlocked by an admin")]
    store, pwp = open_authenticated(path, "pwp1", "pwp password 1", policy=policy)
    with store:
        lock_session(store, pwp)
        with pytest.raises(AuthenticationError):
            unlock_session(store, pwp, "wrong password", policy=policy, sleep=slept.append)
        unlock_session(store, pwp, "pwp password 1", policy=policy)
        assert [a for (_, a, _) in events(store)[-4:]] == ["login", "lock", "login_failed", "unlock"]


def test_lockout_and_audit_on_a_team_store(postgres_url: str) -> None:
    database_url = postgres_url  # the local store's variant is tested above
    policy = LoginPolicy(max_failures=2)
    assert initialise_store(database_url, "admin", "Admin", PASSWORD) is None
    for _ in range(2):
        with pytest.raises(AuthenticationError):
            open_authenticated(database_url, "admin", "wrong password", policy=policy, sleep=lambda _s: None)
    slept: list[float] = []
    with pytest.raises(AccountLocked) as locked:
        open_authenticated(database_url, "admin", PASSWORD, policy=policy, sleep=slept.append)
    with pytest.raises(AuthenticationError) as unknown:
        open_authenticated(database_url, "ghost", PASSWORD, policy=policy, sleep=slept.append)
    assert str(locked.value) == str(unknown.value) == WRONG and slept == [policy.delay(3), policy.delay(4)]
    from triage.store import open_store
    from triage.store.models import UserAccount

    with open_store(database_url) as store:
        assert [a for (_, a, _) in events(store)][-5:] == ["login_failed", "login_failed", "account_locked",
                                                         "login_failed", "login_failed"]  # fmt: skip
        with store.write() as session:
            session.scalar(select(UserAccount)).locked_until = None
    store, admin = open_authenticated(database_url, "ADMIN", PASSWORD, policy=policy)
    with store:
        assert admin.role == "admin"
        with pytest.raises(AccountError, match="last admin"):
            set_role(store, admin, "admin", "pwp")


def test_postgresql_requires_verified_tls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRIAGE_ALLOW_INSECURE_DB", raising=False)
    assert resolve_database_url("postgresql://u@db.example/triage").query["sslmode"] == "verify-full"
    assert resolve_database_url("postgresql://u@db/t?sslmode=verify-full").query["sslmode"] == "verify-full"
    for weak in ("disable", "prefer", "require", "verify-ca"):
        with pytest.raises(StoreLocationError, match="TLS"):
            resolve_database_url(f"postgresql://u@db/t?sslmode={weak}")
    monkeypatch.setenv("TRIAGE_ALLOW_INSECURE_DB", "1")
    assert resolve_database_url("postgresql://u@db/t?sslmode=disable").query["sslmode"] == "disable"
    assert resolve_database_url("postgresql://u@db/t").query["sslmode"] == "verify-full"  # never weakened silently
