"""Teams and the assigned clinician (issue 15 item 4) and the meeting scoped by them (issue 16 item 7),
on both databases: the admin's team commands (bad input names the field), every permission both ways
with each refusal audited, a referral joining its creator's only team, the queue scoped per team
leader, a leader in no team seeing all, and a meeting outcome refused outside the chair's teams."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.store.conftest import referral_input
from tests.store.test_meeting_queue import HIGH_RISK, last_event, screened
from tests.store.test_meetings import meeting_input
from tests.users import as_admin, as_leader, as_pwp
from triage.services import DecisionInput, create_referral, import_referrals
from triage.services.meeting_queue import meeting_queue, set_supervisor, supervision_queue
from triage.services.meetings import ask_for_information, decide_in_meeting, defer_case, open_meeting
from triage.services.permissions import PermissionDenied
from triage.services.referral_record import referral_record
from triage.services.teams import (
    OutsideTeam,
    add_team,
    assign_clinician,
    join_team,
    leave_team,
    list_teams,
    set_referral_team,
    set_team_and_clinician,
    teams_of,
)
from triage.services.users import add_account
from triage.store import ConflictError, NotFoundError, RefusedError, Store
from triage.store.models import AuditEvent, Referral

ADMIN, NORTH_LEAD, SOUTH_LEAD, FREE_LEAD = as_admin("admin"), as_leader("north"), as_leader("south"), as_leader("lead")
PWP, PWP2 = as_pwp("pwp"), as_pwp("pwp2")
SUPERVISED = {**HIGH_RISK, "discuss_in_supervision": True}


@pytest.fixture
def teams(store: Store) -> Store:
    """Accounts; teams NORTH (north, pwp) and SOUTH (south, pwp2); "lead" is in no team."""
    with store.write() as session:
        for name, role in (("admin", "admin"), ("north", "team_leader"), ("south", "team_leader"),
                           ("lead", "team_leader"), ("pwp", "pwp"), ("pwp2", "pwp"), ("gone", "pwp")):  # fmt: skip
            add_account(session, name, name.title(), role, "a long enough password 1", actor="setup")
    add_team(store, ADMIN, "NORTH", "Doncaster North")
    add_team(store, ADMIN, "south", " Doncaster South ")  # codes are capitals: typed in lower case, kept upper
    for code, name in (("NORTH", "north"), ("NORTH", "pwp"), ("SOUTH", "south"), ("SOUTH", "pwp2")):
        join_team(store, ADMIN, code, name)
    return store


def referral(store: Store, referral_id: str) -> Referral:
    with store.read() as session:
        row = session.get(Referral, referral_id)
        assert row is not None
        session.expunge(row)
        return row


def test_an_admin_adds_teams_and_members_audited(teams: Store) -> None:
    assert list_teams(teams, ADMIN) == [("NORTH", "Doncaster North", ("north", "pwp")),
                                        ("SOUTH", "Doncaster South", ("pwp2", "south"))]  # fmt: skip
    with teams.read() as session:
        assert teams_of(session, "PWP") == {"NORTH"}
        assert teams_of(session, "lead") == frozenset()
    leave_team(teams, ADMIN, "NORTH", "pwp")
    event = last_event(teams)
    assert (event.actor, event.entity_type, event.entity_id, event.summary) == ("admin", "user_account", "pwp",
                                                                                "left team NORTH")  # fmt: skip
    with teams.read() as session:
        assert teams_of(session, "pwp") == frozenset()
        created = session.scalars(select(AuditEvent).where(AuditEvent.entity_id == "team:NORTH")).one()
        assert created.action == "create" and created.summary == "team NORTH added"


@pytest.mark.parametrize(("call", "field"), [
    (lambda s: add_team(s, ADMIN, "N", "One letter"), "code"),
    (lambda s: add_team(s, ADMIN, "NO TEAM", "A space"), "code"),
    (lambda s: add_team(s, ADMIN, "X" * 21, "Too long"), "code"),
    (lambda s: add_team(s, ADMIN, "NORTH", "Again"), "code"),
    (lambda s: add_team(s, ADMIN, "EAST", "   "), "name"),
    (lambda s: join_team(s, ADMIN, "EAST", "pwp"), "code"),
    (lambda s: join_team(s, ADMIN, "NORTH", "nobody"), "username"),
    (lambda s: join_team(s, ADMIN, "NORTH", "pwp"), "username"),
    (lambda s: leave_team(s, ADMIN, "SOUTH", "pwp"), "username"),
])  # fmt: skip
def test_bad_team_input_names_the_field_and_writes_nothing(teams: Store, call, field: str) -> None:  # type: ignore[no-untyped-def]
    before = list_teams(teams, ADMIN)
    with pytest.raises((RefusedError, NotFoundError), match=f"^{field}: "):
        call(teams)
    assert list_teams(teams, ADMIN) == before


@pytest.mark.parametrize("user", [PWP, NORTH_LEAD], ids=["pwp", "team_leader"])
@pytest.mark.parametrize("call", [
    lambda s, u: add_team(s, u, "EAST", "East"),
    lambda s, u: join_team(s, u, "NORTH", "pwp2"),
    lambda s, u: leave_team(s, u, "NORTH", "pwp"),
    lambda s, u: list_teams(s, u),
], ids=["add", "join", "leave", "list"])  # fmt: skip
def test_only_an_admin_manages_teams_and_each_refusal_is_audited(teams: Store, user, call) -> None:  # type: ignore[no-untyped-def]
    before = list_teams(teams, ADMIN)
    with pytest.raises(PermissionDenied):
        call(teams, user)
    event = last_event(teams)
    assert (event.actor, event.action, event.summary) == (user.username, "permission_denied", "refused: users")
    assert list_teams(teams, ADMIN) == before


def test_a_referral_joins_its_creators_only_team_and_no_team_otherwise(teams: Store) -> None:
    join_team(teams, ADMIN, "SOUTH", "north")  # north is now in two teams
    mine = create_referral(teams, PWP, referral_input(1)).id
    two_teams = create_referral(teams, NORTH_LEAD, referral_input(2)).id
    no_team = create_referral(teams, FREE_LEAD, referral_input(3)).id
    assert [referral(teams, r).team_code for r in (mine, two_teams, no_team)] == ["NORTH", None, None]
    with teams.read() as session:
        events = session.scalars(select(AuditEvent.summary).where(AuditEvent.entity_id == mine)).all()
    assert "team set: none → NORTH (its creator's only team)" in events
    record = referral_record(teams, PWP, mine)
    assert (record.referral.team_code, record.referral.assigned_to) == ("NORTH", None)


def test_imported_referrals_join_the_importers_only_team_and_no_team_otherwise(teams: Store) -> None:
    # Issue 15, item 4: a file imported by someone in one team took no team, unlike a referral typed in.
    join_team(teams, ADMIN, "SOUTH", "north")  # north is now in two teams
    mine = [c.id for c in import_referrals(teams, PWP, [referral_input(11), referral_input(12)])]
    two_teams = [c.id for c in import_referrals(teams, NORTH_LEAD, [referral_input(13)])]
    no_team = [c.id for c in import_referrals(teams, FREE_LEAD, [referral_input(14)])]
    assert [referral(teams, r).team_code for r in mine + two_teams + no_team] == ["NORTH", "NORTH", None, None]
    with teams.read() as session:
        events = session.scalars(select(AuditEvent.summary).where(AuditEvent.entity_id.in_(mine + two_teams))).all()
    assert sum("; in team NORTH (its importer's only team)" in e for e in events) == 2
    assert not any("in team" in e for e in events if "NORTH" not in e)


def test_a_pwp_moves_a_referral_only_into_their_own_team_and_a_leader_anywhere(teams: Store) -> None:
    referral_id = create_referral(teams, FREE_LEAD, referral_input(1)).id
    set_referral_team(teams, PWP, referral_id, "north")  # the PWP's own team, typed in lower case
    assert referral(teams, referral_id).team_code == "NORTH"
    assert last_event(teams).summary == "team set: none → NORTH"
    for code in ("SOUTH", None):
        with pytest.raises(OutsideTeam, match="^team: "):
            set_referral_team(teams, PWP, referral_id, code)
        event = last_event(teams)
        assert (event.actor, event.action, event.entity_id) == ("pwp", "permission_denied", referral_id)
        assert referral(teams, referral_id).team_code == "NORTH"  # unchanged
    set_referral_team(teams, SOUTH_LEAD, referral_id, "SOUTH")  # a team leader: any team
    set_referral_team(teams, NORTH_LEAD, referral_id, None)
    assert referral(teams, referral_id).team_code is None
    assert last_event(teams).summary == "team set: SOUTH → none"
    with pytest.raises(NotFoundError, match="^code: "):
        set_referral_team(teams, NORTH_LEAD, referral_id, "EAST")
    with pytest.raises(RefusedError, match="^code: "):
        set_referral_team(teams, NORTH_LEAD, referral_id, "not a code")
    with pytest.raises(PermissionDenied):
        set_referral_team(teams, ADMIN, referral_id, "NORTH")
    assert last_event(teams).summary == "refused: create_referral"


def test_a_pwp_assigns_only_themselves_and_a_leader_any_clinician_of_the_team(teams: Store) -> None:
    referral_id = create_referral(teams, PWP, referral_input(1)).id  # NORTH, the PWP's only team
    reference = referral(teams, referral_id).reference
    assign_clinician(teams, PWP, reference.lower(), "PWP")  # found by its reference, as typed
    assert referral(teams, referral_id).assigned_to == "pwp"
    assert last_event(teams).summary == "assigned clinician: none → pwp"
    with pytest.raises(OutsideTeam, match="^clinician: "):
        assign_clinician(teams, PWP, referral_id, "north")
    event = last_event(teams)
    assert (event.actor, event.action, event.summary) == ("pwp", "permission_denied", "refused: assign a clinician")
    assign_clinician(teams, PWP, referral_id, None)  # unassigning themselves
    assign_clinician(teams, NORTH_LEAD, referral_id, "north")
    assert last_event(teams).summary == "assigned clinician: none → north"
    with pytest.raises(OutsideTeam):
        assign_clinician(teams, PWP, referral_id, None)  # not theirs to unassign
    assert referral(teams, referral_id).assigned_to == "north"


@pytest.mark.parametrize(("username", "message"), [
    ("pwp2", "clinician: must be a member of the referral's team NORTH"),
    ("admin", "clinician: must be an active PWP or team leader"),
    ("nobody", "clinician: there is no such active user"),
])  # fmt: skip
def test_the_clinician_must_be_an_active_clinician_of_the_referrals_team(teams: Store, username: str,
                                                                        message: str) -> None:  # fmt: skip
    referral_id = create_referral(teams, PWP, referral_input(1)).id
    with pytest.raises((RefusedError, NotFoundError), match=f"^{message}$"):
        assign_clinician(teams, NORTH_LEAD, referral_id, username)
    assert referral(teams, referral_id).assigned_to is None


def test_a_referral_with_no_team_takes_any_clinician(teams: Store) -> None:
    referral_id = create_referral(teams, FREE_LEAD, referral_input(1)).id
    assign_clinician(teams, FREE_LEAD, referral_id, "pwp2")
    assert referral(teams, referral_id).assigned_to == "pwp2"
    with pytest.raises(NotFoundError, match="^referral: "):
        assign_clinician(teams, FREE_LEAD, "DON-999999", "pwp2")


def _queue_of_three(store: Store) -> tuple[str, str, str]:
    north = screened(store, 1, HIGH_RISK)  # by "pwp": NORTH
    south = screened(store, 2, HIGH_RISK, by="pwp2")  # SOUTH
    service = screened(store, 3, HIGH_RISK, by="lead")  # in no team: the service's
    return north, south, service


def test_the_meeting_queue_holds_the_leaders_teams_and_the_services_and_a_leader_in_no_team_sees_all(
    teams: Store,
) -> None:
    north, south, service = _queue_of_three(teams)
    assert [e.referral_id for e in meeting_queue(teams, NORTH_LEAD)] == [north, service]
    assert last_event(teams).summary == "search returned 2 results"  # the count of what was shown
    assert [e.referral_id for e in meeting_queue(teams, SOUTH_LEAD)] == [south, service]
    assert [e.referral_id for e in meeting_queue(teams, FREE_LEAD)] == [north, south, service]
    join_team(teams, ADMIN, "SOUTH", "north")  # a leader of two teams sees both
    assert [e.referral_id for e in meeting_queue(teams, NORTH_LEAD)] == [north, south, service]


def test_the_supervision_queue_is_scoped_the_same_way(teams: Store) -> None:
    for name in ("pwp", "pwp2"):
        set_supervisor(teams, ADMIN, name, "north")
    north = screened(teams, 1, SUPERVISED)
    south = screened(teams, 2, SUPERVISED, by="pwp2")
    assert [e.referral_id for e in supervision_queue(teams, NORTH_LEAD)] == [north]
    leave_team(teams, ADMIN, "NORTH", "north")  # in no team: every referral
    assert [e.referral_id for e in supervision_queue(teams, NORTH_LEAD)] == [north, south]


def test_a_meeting_outcome_outside_the_chairs_teams_is_refused_audited_and_changes_nothing(teams: Store) -> None:
    north, south, service = _queue_of_three(teams)
    meeting_id = open_meeting(teams, NORTH_LEAD, meeting_input(chair="north", attendees=("pwp",)))
    decision = DecisionInput(confirmed_route="crisis_team", override_reason="seen by the crisis team today",
                             warnings_acknowledged=True)  # fmt: skip
    refusals = [
        lambda: decide_in_meeting(teams, NORTH_LEAD, meeting_id, south, decision),
        lambda: defer_case(teams, NORTH_LEAD, meeting_id, south, "wait for the GP"),
        lambda: ask_for_information(
            teams, NORTH_LEAD, meeting_id, south, "GP summary", "pwp2", meeting_input().held_on
        ),  # fmt: skip
    ]
    for refused in refusals:
        with pytest.raises(OutsideTeam, match="^team: "):
            refused()
        event = last_event(teams)
        assert (event.actor, event.action, event.entity_id) == ("north", "permission_denied", south)
    assert referral(teams, south).status == "screened"  # nothing decided
    assert [e.referral_id for e in meeting_queue(teams, SOUTH_LEAD)] == [south, service]
    assert [e.deferred_reason for e in meeting_queue(teams, SOUTH_LEAD)] == [None, None]
    decide_in_meeting(teams, NORTH_LEAD, meeting_id, north, decision)  # its own team's: taken
    decide_in_meeting(teams, NORTH_LEAD, meeting_id, service, decision)  # the service's: taken
    assert [e.referral_id for e in meeting_queue(teams, FREE_LEAD)] == [south]


def test_the_team_and_the_clinician_together_are_one_write_one_refused_neither_written(teams: Store) -> None:
    referral_id = create_referral(teams, FREE_LEAD, referral_input(1)).id
    version = referral(teams, referral_id).version
    with pytest.raises(OutsideTeam, match="^clinician: "):  # the team is the PWP's own; the clinician is not them
        set_team_and_clinician(teams, PWP, referral_id, {"team": "NORTH", "clinician": "north"}, version=version)
    assert (referral(teams, referral_id).team_code, referral(teams, referral_id).version) == (None, version)
    assert last_event(teams).action == "permission_denied"
    with pytest.raises(ConflictError):  # someone saved since the editor opened it
        set_team_and_clinician(teams, PWP, referral_id, {"team": "NORTH"}, version=version - 1)
    new = set_team_and_clinician(teams, PWP, referral_id, {"team": "NORTH", "clinician": "pwp"}, version=version)
    row = referral(teams, referral_id)
    assert (row.team_code, row.assigned_to, row.version) == ("NORTH", "pwp", new)
