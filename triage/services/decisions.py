"""Decision use cases: confirm (or override, with a reason) the engine's recommendation for the
latest screening, and replay a stored decision under the exact ruleset it was made with.

The computed routing is kept exactly as the engine returned it (``Routing.to_contract()`` plus the
matched rule ids), next to what the person confirmed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from triage.resources import resource_path
from triage.rules.engine import route
from triage.rules.routing import Routing
from triage.rules.ruleset import Ruleset, RulesetError, default_ruleset, default_ruleset_path, load_ruleset
from triage.services.inputs import DecisionInput, ScreeningInput
from triage.services.meeting_queue import refresh_queue
from triage.services.outcome_choice import check_outcome, check_return, register_outcomes, services_that_returned
from triage.services.permissions import Action, PermissionDenied, User, allowed, record_view, require
from triage.services.referrals import load_referral, move_to_status
from triage.services.route_choice import IAPT_ROUTES, ReasonNeeded, reason_needed
from triage.services.screenings import record_screening, screening_input
from triage.services.service_settings import held_ruleset
from triage.store.audit import record_event
from triage.store.database import Store
from triage.store.errors import NotFoundError, RefusedError
from triage.store.models import Decision, Meeting, Referral, Screening
from triage.store.types import utc_now

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Replay:
    """The outcome of re-running a stored decision's screening under its own ruleset."""

    decision_id: str
    ruleset_available: bool
    matches: bool
    differences: tuple[str, ...]
    message: str
    replayed: dict[str, Any] | None = None  # the replayed routing contract, when the ruleset was found


def recommend(store: Store, user: User, referral_id: str, ruleset: Ruleset | None = None) -> Routing:
    """The engine's routing for the referral's latest screening (``view_referral``; recorded as a view)."""
    require(user, "view_referral", store=store)
    with store.write() as session:
        screening = _latest_screening(session, referral_id)
        record_view(session, user, "screening", screening.id)
        return route(screening_input(screening).to_routing(), ruleset or default_ruleset())


def confirm_decision(
    store: Store, user: User, referral_id: str, data: DecisionInput, *, ruleset: Ruleset | None = None,
    in_meeting: bool = False,
) -> str:  # fmt: skip
    """Route the latest screening, check the person's confirmation against it and store both.
    An override (route or step differing from the recommendation) needs ``override_reason``, and so
    does any choice when risk is high; the routing's warnings must have been acknowledged. Returns the
    decision's id.

    Who may: ``decide`` for a referral nobody else has decided; ``override_any`` (a team leader) to
    replace someone else's decision; ``confirm_in_meeting`` for a decision taken in the referral
    meeting (``in_meeting``, said so in the audit trail)."""
    ruleset = ruleset or default_ruleset()
    _require_decider(store, user, referral_id, "confirm_in_meeting" if in_meeting else "decide")
    with store.write() as session:
        referral = load_referral(session, referral_id)
        if referral.status not in ("screened", "decided"):
            raise RefusedError(f"a referral that is {referral.status.replace('_', ' ')} cannot be decided")
        _still_allowed(session, user, referral_id)
        screening = _latest_screening(session, referral_id)
        return record_decision(session, referral, screening, data, user.username, ruleset, in_meeting=in_meeting).id


def _decided_by_others(session: Session, referral_id: str, user: User) -> bool:
    deciders = set(session.scalars(select(Decision.decided_by).where(Decision.referral_id == referral_id)))
    return bool(deciders - {user.username})


def _require_decider(store: Store, user: User, referral_id: str, action: Action) -> None:
    """``action``, and ``override_any`` too when someone else has decided this referral, and
    ``run_meeting`` when its latest decision is a closed meeting's (locked: only a team leader changes
    it, by a new decision that revises it). Checked before the write, so that a refusal is audited in
    its own transaction."""
    require(user, action, store=store)
    with store.read() as session:
        others = _decided_by_others(session, referral_id, user)
        locked = locked_meeting_decision(session, referral_id) is not None
    if others:
        require(user, "override_any", store=store)
    if locked:
        require(user, "run_meeting", store=store)


def locked_meeting_decision(session: Session, referral_id: str) -> Decision | None:
    """The referral's latest decision when a meeting that has since closed took it, else None."""
    latest = session.scalars(select(Decision).where(Decision.referral_id == referral_id)
                             .order_by(Decision.decided_at.desc()).limit(1)).first()  # fmt: skip
    if latest is None or latest.meeting_id is None:
        return None
    meeting = session.get(Meeting, latest.meeting_id)
    return latest if meeting is not None and meeting.closed_at is not None else None


def _note(in_meeting: bool) -> str:
    return "in the referral meeting" if in_meeting else ""


def _still_allowed(session: Session, user: User, referral_id: str) -> None:
    """Inside the write: someone else may have decided the referral since ``_require_decider``."""
    if not allowed(user, "override_any") and _decided_by_others(session, referral_id, user):
        raise PermissionDenied("override_any")
    if not allowed(user, "run_meeting") and locked_meeting_decision(session, referral_id) is not None:
        raise PermissionDenied("run_meeting")


def complete_screening(
    store: Store, user: User, referral_id: str, screening: ScreeningInput, decision: DecisionInput,
    *, ruleset: Ruleset | None = None, in_meeting: bool = False,
) -> tuple[str, str]:  # fmt: skip
    """Store the completed screening, remove its draft and store the confirmed decision on it, all in
    ONE transaction: a crash or a refused decision (an override without its reason, unacknowledged
    warnings) leaves the referral exactly as it was, never screened but undecided half way.
    Needs ``screen`` and ``decide`` (``confirm_in_meeting`` when ``in_meeting``; ``override_any`` to
    re-screen a referral someone else decided). Returns (screening id, decision id)."""
    require(user, "screen", store=store)
    _require_decider(store, user, referral_id, "confirm_in_meeting" if in_meeting else "decide")
    ruleset = ruleset or default_ruleset()
    with store.write() as session:
        referral = load_referral(session, referral_id)
        _still_allowed(session, user, referral_id)
        stored = record_screening(session, referral, screening, user.username)
        decided = record_decision(session, referral, stored, decision, user.username, ruleset, in_meeting=in_meeting)
        return stored.id, decided.id


def check_rescreen(store: Store, user: User, referral_id: str) -> None:
    """Refuse now what ``complete_screening`` would refuse at the end of a screening of this referral,
    so that nobody types a whole screening to be told no: a referral whose letter is sent or that is
    closed (RefusedError), a role without ``screen`` and ``decide``, and, for a referral someone else
    has decided, one without ``override_any`` (PermissionDenied, each refusal audited). Reads no
    patient data and records nothing when allowed; ``complete_screening`` checks all of it again."""
    require(user, "screen", store=store)
    with store.read() as session:
        status = load_referral(session, referral_id).status
    if status in ("letter_sent", "closed"):  # as record_screening refuses them
        raise RefusedError(f"a referral that is {status.replace('_', ' ')} cannot be screened again")
    _require_decider(store, user, referral_id, "decide")


_REASON_REFUSALS: dict[ReasonNeeded, str] = {
    "override": "override_reason: required when the confirmed route or step differs from the recommendation",
    "high_risk": "override_reason: required when risk is high: say why this route was chosen (the crisis team or "
    "the CMHT), whichever it is",
}
# HAZ-025: an IAPT route (core or integrated, at either step) is offered for the problem the person
# describes; the screening session asks for it too, but the service refuses it whoever calls.
DESCRIPTOR_REFUSAL = (
    "problem_descriptor: required before an IAPT route can be confirmed; record the main problem in the screening"
)


def record_decision(
    session: Session, referral: Referral, screening: Screening, data: DecisionInput, actor: str, ruleset: Ruleset,
    *, in_meeting: bool = False, meeting_id: str | None = None,
) -> Decision:  # fmt: skip
    """The decision on ``screening`` inside the caller's transaction: stored with the routing as the
    engine returned it, audited, the referral moved to decided and its current route kept on it.
    ``meeting_id``: the referral meeting it is taken in. When the latest decision is a closed
    meeting's, the new one revises it (``revises_id``, said so in the trail): the old is never edited."""
    answers = screening_input(screening)
    routing = route(answers.to_routing(), ruleset)
    check_outcome(ruleset, data)
    if data.confirmed_route in IAPT_ROUTES and answers.problem_descriptor is None:
        raise RefusedError(DESCRIPTOR_REFUSAL)
    return_rationale = check_return(services_that_returned(session, referral.person_id), data)
    revises = locked_meeting_decision(session, referral.id)
    # An override, or any choice for high risk, is stored with its reason (kept in override_reason either way).
    needed = reason_needed(routing, data.confirmed_route, data.confirmed_step)
    if needed and data.override_reason is None:
        raise RefusedError(_REASON_REFUSALS[needed])
    if routing.warnings and not data.warnings_acknowledged:
        raise RefusedError("warnings_acknowledged: the routing has warnings that must be reviewed and acknowledged")
    decision = Decision(
        referral_id=referral.id,
        screening_id=screening.id,
        ruleset_id=ruleset.id,
        ruleset_version=ruleset.version,
        ruleset_sha256=ruleset.sha256,
        routing=json_shaped(routing.to_contract()),
        matched_rules=json_shaped(asdict(routing.matched)),
        recommended_route=routing.route,
        recommended_step=routing.step,
        confirmed_route=data.confirmed_route,
        confirmed_step=data.confirmed_step,
        override_reason=data.override_reason if needed else None,
        warnings_acknowledged=data.warnings_acknowledged,
        in_meeting=in_meeting,
        outcome_criterion=data.outcome_criterion,
        return_rationale=return_rationale,
        meeting_id=meeting_id,
        revises_id=revises.id if revises is not None else None,
        decided_by=actor,
        decided_at=utc_now(),
    )
    register_outcomes(session, ruleset)
    session.add(decision)
    # The referral list filters and sorts by route: the latest decision's route lives on the referral.
    referral.current_route, referral.current_step = data.confirmed_route, data.confirmed_step
    session.flush()
    summary = f"route {data.confirmed_route}" + (f" step {data.confirmed_step}" if data.confirmed_step else "")
    summary += f" (criterion {data.outcome_criterion})" if data.outcome_criterion else ""
    summary += (
        f"; {'override of' if needed == 'override' else 'as'} the recommendation ({ruleset.id} {ruleset.version})"
    )
    summary += f"; {_note(in_meeting)}" if in_meeting else ""
    summary += f" {meeting_id}" if meeting_id is not None else ""
    summary += f"; revises the meeting decision {revises.id}" if revises is not None else ""
    record_event(session, actor=actor, entity_type="decision", entity_id=decision.id, action="decision",
                 summary=f"{summary}; referral {referral.id}")  # fmt: skip
    if referral.status == "screened":
        move_to_status(session, referral, "decided", actor)
    refresh_queue(session, referral, ruleset=ruleset, actor=actor)  # an override or a return joins; a meeting's leaves
    return decision


def replay_decision(store: Store, user: User, decision_id: str, *, extra_rulesets: Iterable[Path] = ()) -> Replay:
    """Re-run the decision's screening under the ruleset whose content hash it recorded (looked up
    among the shipped rulesets, the configured one and ``extra_rulesets``) and compare.
    ``view_referral``; recorded as a view of the decision."""
    require(user, "view_referral", store=store)
    with store.write() as session:
        decision = session.get(Decision, decision_id)
        if decision is None:
            raise NotFoundError("no decision with that id")
        record_view(session, user, "decision", decision_id)
        screening = session.get(Screening, decision.screening_id)
        assert screening is not None  # a foreign key guarantees it
        return replay_stored(decision, screening, extra_rulesets).replay


@dataclass(frozen=True, slots=True)
class Replayed:
    """A replay with what it was made from: the ruleset found (None when it is not on this computer)
    and the routing it gave, for callers that show the trace as well as the verdict."""

    replay: Replay
    ruleset: Ruleset | None
    routing: Routing | None


def replay_stored(decision: Decision, screening: Screening, extra_rulesets: Iterable[Path] = ()) -> Replayed:
    """The replay of ``decision`` (its ``screening`` loaded by the caller, in the caller's transaction).
    Checks no permission and records nothing: the calling service has and does."""
    ruleset = find_ruleset(decision.ruleset_sha256, extra_rulesets, object_session(decision))
    if ruleset is None:
        message = (f"cannot replay: ruleset {decision.ruleset_id} version {decision.ruleset_version} "
                   f"(sha256 {decision.ruleset_sha256}) is not available on this computer")  # fmt: skip
        return Replayed(Replay(decision.id, False, False, (), message), None, None)
    routing = route(screening_input(screening).to_routing(), ruleset)
    replayed = json_shaped(routing.to_contract())
    differences = _differences(decision.routing, replayed)
    if json_shaped(asdict(routing.matched)) != decision.matched_rules:
        differences.append("matched rules differ")
    if differences:
        message = "the replay differs from the stored decision: " + "; ".join(differences)
    else:
        message = f"the replay under {ruleset.id} {ruleset.version} gives the stored routing"
    return Replayed(Replay(decision.id, True, not differences, tuple(differences), message, replayed), ruleset, routing)


def find_ruleset(sha256: str, extra: Iterable[Path] = (), session: Session | None = None) -> Ruleset | None:
    """The ruleset with this content hash among the shipped, configured and given files, then those the
    store holds (``session``'s: a service's own ruleset, put in force in Settings). Retired ones
    included: they exist to replay old decisions."""
    # retired/: superseded shipped rulesets, kept so that decisions made under them still replay.
    shipped = [
        *sorted(resource_path("rules").glob("*.yaml")),
        *sorted(resource_path("rules", "retired").glob("*.yaml")),
    ]
    candidates = [*shipped, default_ruleset_path(), *extra]
    for path in dict.fromkeys(candidates):
        try:
            ruleset = load_ruleset(path, allow_retired=True)
        except (RulesetError, OSError):
            log.warning("ruleset file %s could not be loaded while looking for a replay", path)
            continue
        if ruleset.sha256 == sha256:
            return ruleset
    return held_ruleset(session, sha256) if session is not None else None


def _latest_screening(session: Session, referral_id: str) -> Screening:
    screening = session.scalars(
        select(Screening).where(Screening.referral_id == referral_id).order_by(Screening.screened_at.desc()).limit(1)
    ).first()
    if screening is None:
        raise RefusedError("the referral has no saved screening to decide on")
    return screening


def json_shaped(data: Any) -> Any:
    """JSON-shaped (lists, not tuples), as it comes back from the database."""
    return json.loads(json.dumps(data))


def _differences(stored: dict[str, Any], replayed: dict[str, Any]) -> list[str]:
    keys = sorted(set(stored) | set(replayed))
    return [
        f"{key}: stored {json.dumps(stored.get(key))}, replayed {json.dumps(replayed.get(key))}"
        for key in keys
        if stored.get(key) != replayed.get(key)
    ]
