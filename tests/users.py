"""The people the tests act as: every service takes the logged-in User and checks its role.

``as_pwp("name")`` and the others keep a test's own actor names (the audit trail records them);
PWP, LEADER and ADMIN are the defaults where who acts does not matter to the test."""

from __future__ import annotations

from triage.services.permissions import User


def as_pwp(username: str = "pwp.tester") -> User:
    return User(username, username, "pwp")


def as_leader(username: str = "team.leader") -> User:
    return User(username, username, "team_leader")


def as_admin(username: str = "service.admin") -> User:
    return User(username, username, "admin")


PWP, LEADER, ADMIN = as_pwp(), as_leader(), as_admin()

# The smallest key-derivation parameters the key file allows: a real argon2id login per test would take
# seconds (accounts hash slowly by design). Tests patch triage.store.keys.KDF_PARAMS with it.
CHEAP_KDF = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
