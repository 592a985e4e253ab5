"""Teams and the assigned clinician (issue 15 item 4; migration 0016).

An account belongs to any number of teams (an admin's ``users`` permission adds them and their
members); a referral to at most one, or to none: the whole service's, as every referral stored before
teams existed. A referral created by someone in exactly one team joins that team; otherwise it stays
the service's until a clinician moves it.

Scope (issue 16 item 7): a team leader in one or more teams runs the meeting for those teams, so their
queue and their meeting's decisions hold only referrals of those teams or of no team. A team leader in
no team sees everything, so a service with one team needs no set-up (``meeting_scope``).

Every change is audited old → new by codes and usernames only, never patient data; every refusal of a
person's authority is audited as ``permission_denied`` in its own transaction (the refused write is
rolled back, its audit is not).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from datetime import UTC, datetime
from typing import NoReturn

from sqlalchemy import select
from sqlalchemy.orm import Session

from triage.services.permissions import User, require
from triage.services.references import typed_reference
from triage.store.audit import record_event
from triage.store.database import Store
from triage.store.errors import ConflictError, NotFoundError, RefusedError
from triage.store.keys import normalise_username
from triage.store.models import Referral, Team, TeamMember, UserAccount

TEAM_CODE = re.compile(r"[A-Z0-9-]{2,20}")
CLINICIAN_ROLES = ("pwp", "team_leader")


class OutsideTeam(RefusedError):
    """A person acted on a referral or a team their teams do not reach (audited as a refusal)."""


# --- the teams and their members (an admin's) -----------------------------------------------------


def add_team(store: Store, admin: User, code: str, name: str) -> None:
    """Add a team (``users``): ``code`` 2 to 20 capital letters, digits or hyphens, ``name`` 1 to 100 characters."""
    require(admin, "users", store=store)
    team_code = _code(code)
    team_name = name.strip() if isinstance(name, str) else ""
    if not 1 <= len(team_name) <= 100:
        raise RefusedError("name: the team's name, 1 to 100 characters")
    with store.write() as session:
        if session.get(Team, team_code) is not None:
            raise RefusedError("code: there is already a team with that code")
        session.add(Team(code=team_code, name=team_name, created_at=datetime.now(UTC)))
        session.flush()
        record_event(session, actor=admin.username, entity_type="database", entity_id=f"team:{team_code}",
                     action="create", summary=f"team {team_code} added")  # fmt: skip


def list_teams(store: Store, user: User) -> list[tuple[str, str, tuple[str, ...]]]:
    """Every team as (code, name, its members' usernames), by code. Names no patient."""
    require(user, "users", store=store)
    with store.read() as session:
        members: dict[str, list[str]] = {}
        for row in session.scalars(select(TeamMember).order_by(TeamMember.username)):
            members.setdefault(row.team_code, []).append(row.username)
        teams = session.scalars(select(Team).order_by(Team.code))
        return [(team.code, team.name, tuple(members.get(team.code, ()))) for team in teams]


def join_team(store: Store, admin: User, code: str, username: str) -> None:
    """Put an active account in a team (``users``)."""
    _membership(store, admin, code, username, join=True)


def leave_team(store: Store, admin: User, code: str, username: str) -> None:
    """Take an account out of a team (``users``). Its referrals keep their team."""
    _membership(store, admin, code, username, join=False)


def _membership(store: Store, admin: User, code: str, username: str, *, join: bool) -> None:
    require(admin, "users", store=store)
    team_code, name = _code(code), normalise_username(username)
    with store.write() as session:
        _team(session, team_code)
        row = session.get(TeamMember, (team_code, name))
        if join:
            _account(session, name, "username", active=True)
            if row is not None:
                raise RefusedError("username: already a member of that team")
            session.add(TeamMember(team_code=team_code, username=name))
        else:
            if row is None:
                raise RefusedError("username: not a member of that team")
            session.delete(row)
        session.flush()
        record_event(session, actor=admin.username, entity_type="user_account", entity_id=name, action="update",
                     summary=f"{'joined' if join else 'left'} team {team_code}")  # fmt: skip


def teams_of(session: Session, username: str) -> frozenset[str]:
    """The codes of the teams ``username`` belongs to."""
    name = normalise_username(username)
    return frozenset(session.scalars(select(TeamMember.team_code).where(TeamMember.username == name)))


# --- scope: whose referrals a team leader's meeting holds ----------------------------------------


def meeting_scope(session: Session, username: str) -> frozenset[str] | None:
    """The teams whose referrals ``username``'s meeting and queues hold (with the service's, no team),
    or None: every referral (a person in no team, as in a service that never made one)."""
    return teams_of(session, username) or None


def in_scope(team_code: str | None, scope: frozenset[str] | None) -> bool:
    return scope is None or team_code is None or team_code in scope


def referrals_in_scope(session: Session, username: str, referral_ids: Collection[str]) -> set[str]:
    """Which of ``referral_ids`` are within ``username``'s meeting scope (one query)."""
    scope = meeting_scope(session, username)
    if scope is None or not referral_ids:
        return set(referral_ids)
    rows = session.execute(select(Referral.id, Referral.team_code).where(Referral.id.in_(list(referral_ids))))
    return {referral_id for referral_id, team_code in rows if in_scope(team_code, scope)}


def require_meeting_scope(store: Store, user: User, referral_id: str) -> None:
    """Refuse (audited) a meeting's outcome on a referral of a team outside the chair's teams."""
    with store.read() as session:
        referral = session.get(Referral, referral_id)
        if referral is None or in_scope(referral.team_code, meeting_scope(session, user.username)):
            return  # a missing referral is the caller's to report
    _refuse(store, user, referral_id, "refused: meeting outcome outside the chair's teams",
            "team: the referral belongs to a team you do not lead; its own team's meeting decides it")  # fmt: skip


# --- a referral's team and clinician (clinical) --------------------------------------------------


def creators_team(session: Session, username: str) -> str | None:
    """The team a referral created (or imported) by ``username`` joins: their only team, or none when
    they are in none or in several (a person then chooses)."""
    teams = teams_of(session, username)
    return next(iter(teams)) if len(teams) == 1 else None


def join_creators_team(session: Session, referral_id: str, username: str) -> None:
    """In the creating transaction: a referral created by someone in exactly one team joins it."""
    team = creators_team(session, username)
    if team is None:
        return
    referral = session.get(Referral, referral_id)
    if referral is None:
        raise NotFoundError("no referral with that id")
    referral.team_code = team
    session.flush()
    record_event(session, actor=username, entity_type="referral", entity_id=referral_id, action="update",
                 summary=f"team set: none → {referral.team_code} (its creator's only team)")  # fmt: skip


def set_referral_team(store: Store, user: User, referral_id: str, code: str | None) -> None:
    """Move a referral into a team, or to none (the whole service's). A PWP moves it only into one of
    their own teams; a team leader into any team, or to none."""
    set_team_and_clinician(store, user, referral_id, {"team": code})


def assign_clinician(store: Store, user: User, referral_id: str, username: str | None) -> None:
    """Assign the referral to a clinician (an active PWP or team leader, in the referral's team when it
    has one), or to nobody. A PWP assigns only themselves (or unassigns themselves); a team leader anyone."""
    set_team_and_clinician(store, user, referral_id, {"clinician": username})


def set_team_and_clinician(
    store: Store, user: User, referral_id: str, changes: Mapping[str, str | None], *, version: int | None = None
) -> int:
    """The team (key "team") and then the clinician (key "clinician"), each given, in ONE transaction:
    one refused, neither is written. ``version``: the referral's version the editor opened (a save
    since is ConflictError). Returns the new version."""
    require(user, "create_referral", store=store)
    team = changes.get("team")
    team_code = None if team is None else _code(team)
    clinician = changes.get("clinician")
    name = None if clinician is None else normalise_username(clinician)
    try:
        with store.write() as session:
            referral = find_referral(session, referral_id)
            if version is not None and referral.version != version:
                raise ConflictError()
            if "team" in changes:
                _set_team(session, user, referral, team_code)
            if "clinician" in changes:
                _assign(session, user, referral, name)
            return referral.version
    except _Refused as refused:
        _refuse(store, user, refused.referral_id, refused.summary, refused.message)


class _Refused(Exception):
    """Raised in the transaction (so it rolls back) and audited after it."""

    def __init__(self, referral_id: str, summary: str, message: str) -> None:
        super().__init__(message)
        self.referral_id, self.summary, self.message = referral_id, summary, message


def _set_team(session: Session, user: User, referral: Referral, team_code: str | None) -> None:
    if team_code is not None:
        _team(session, team_code)
    if user.role != "team_leader" and (team_code is None or team_code not in teams_of(session, user.username)):
        raise _Refused(referral.id, "refused: set the team of a referral",
                       "team: a PWP may move a referral only into one of their own teams")  # fmt: skip
    old, referral.team_code = referral.team_code, team_code
    session.flush()
    record_event(session, actor=user.username, entity_type="referral", entity_id=referral.id,
                 action="update", summary=f"team set: {old or 'none'} → {team_code or 'none'}")  # fmt: skip


def _assign(session: Session, user: User, referral: Referral, name: str | None) -> None:
    mine = name == user.username or (name is None and referral.assigned_to == user.username)
    if user.role != "team_leader" and not mine:  # the person's authority first, then the clinician's fitness
        raise _Refused(referral.id, "refused: assign a clinician", "clinician: a PWP may assign only themselves")
    if name is not None:
        _clinician_for(session, referral, name)
    old, referral.assigned_to = referral.assigned_to, name
    session.flush()
    record_event(session, actor=user.username, entity_type="referral", entity_id=referral.id,
                 action="update", summary=f"assigned clinician: {old or 'none'} → {name or 'none'}")  # fmt: skip


def team_choices(store: Store, user: User) -> list[tuple[str, str]]:
    """Every team as (code, name), by code, for a clinician's drop-down (``view_referral``)."""
    require(user, "view_referral", store=store)
    with store.read() as session:
        return [(team.code, team.name) for team in session.scalars(select(Team).order_by(Team.code))]


def clinician_choices(store: Store, user: User) -> list[tuple[str, str]]:
    """Every active PWP and team leader as (username, display name), by name (``view_referral``)."""
    require(user, "view_referral", store=store)
    with store.read() as session:
        accounts = session.scalars(select(UserAccount).where(UserAccount.role.in_(CLINICIAN_ROLES),
                                                             UserAccount.disabled_at.is_(None))
                                   .order_by(UserAccount.display_name, UserAccount.username))  # fmt: skip
        return [(account.username, account.display_name) for account in accounts]


def find_referral(session: Session, key: str) -> Referral:
    """The referral with this id, or with this service reference (as typed: DON-123 or don-000123)."""
    referral = session.get(Referral, key.strip(), populate_existing=True)
    reference = typed_reference(key)
    if referral is None and reference is not None:
        referral = session.scalar(select(Referral).where(Referral.reference == reference))
    if referral is None:
        raise NotFoundError("referral: no referral with that id or reference")
    return referral


# --- helpers -------------------------------------------------------------------------------------


def _code(code: str) -> str:
    text = code.strip().upper() if isinstance(code, str) else ""
    if not TEAM_CODE.fullmatch(text):
        raise RefusedError("code: a team code is 2 to 20 capital letters, digits or hyphens")
    return text


def _team(session: Session, code: str) -> Team:
    team = session.get(Team, code)
    if team is None:
        raise NotFoundError("code: there is no team with that code")
    return team


def _account(session: Session, name: str, field: str, *, active: bool) -> UserAccount:
    account = session.scalar(select(UserAccount).where(UserAccount.username == name))
    if account is None or (active and account.disabled_at is not None):
        raise NotFoundError(f"{field}: there is no such active user")
    return account


def _clinician_for(session: Session, referral: Referral, name: str) -> None:
    account = _account(session, name, "clinician", active=True)
    if account.role not in CLINICIAN_ROLES:
        raise RefusedError("clinician: must be an active PWP or team leader")
    if referral.team_code is not None and referral.team_code not in teams_of(session, name):
        raise RefusedError(f"clinician: must be a member of the referral's team {referral.team_code}")


def _refuse(store: Store, user: User, referral_id: str, summary: str, message: str) -> NoReturn:
    with store.write() as session:
        record_event(session, actor=user.username, entity_type="referral", entity_id=referral_id,
                     action="permission_denied", summary=summary)  # fmt: skip
    raise OutsideTeam(message)
