"""One referral as the referral meeting's projector shows it (issue 16, item 3): a pure function of the
read-only record, the ruleset and, when the case is in the queue, its queue entry.

What a room may read: the reference and the person's initials (the full name only when ``name`` is
given, after a recorded reveal), the seven ratings with the ruleset's full definition of each level
rated, the destinations fired and why, the recommendation and the screener's decision, the risk answers
and actions, the screener's question and why the case is waiting, and earlier referrals and bounces
in one line each, naming nobody. Every clinical word comes from the ruleset or resources/labels.yaml.
"""

from __future__ import annotations

from triage.labels import labels
from triage.rules.engine import join_words
from triage.rules.ruleset import Ruleset
from triage.rules.vocabulary import Level, VariableId
from triage.services.meeting_types import QUEUE_REASON_TEXT, PresenterCase, PresenterRow, QueueEntry, initials
from triage.services.record_output import NONE, PRESENT, uk_date, uk_time
from triage.services.referral_record import (
    DecisionPart,
    MatrixTrace,
    ReferralRecord,
    RiskPart,
    ScreeningPart,
)

NOT_SCREENED = "not screened yet: nothing to recommend"
DUPLICATE = "Another referral for the person was open when this one arrived"


def presenter_case(
    record: ReferralRecord, ruleset: Ruleset, *, entry: QueueEntry | None = None, name: str | None = None
) -> PresenterCase:
    """The case as the presenter view shows it; ``name`` None keeps the full name hidden."""
    trace, screening = record.trace, record.screening
    return PresenterCase(
        referral_id=record.referral.id,
        reference=record.referral.reference,
        initials=initials(record.person.given_name, record.person.family_name),
        name=name,
        rows=_rows(trace, screening, ruleset),
        fired=_fired(trace, ruleset),
        recommendation=_route(ruleset, record, trace.route, trace.step) if trace else NOT_SCREENED,
        decided=_decided(record.decision, ruleset, record),
        risk=_risk_answers(screening.risk_details) if screening else (),
        protective_factors=(screening.risk_details.protective_factors or NONE) if screening else NONE,
        actions=_actions(screening.risk_details) if screening else NONE,
        question=entry.question if entry else None,
        reasons=tuple(QUEUE_REASON_TEXT[reason] for reason in entry.reasons) if entry else (),
        history=_history(record, ruleset),
        screened_by=(entry.screened_by if entry else None) or (screening.screened_by if screening else None),
        waited_days=entry.waited_days if entry else None,
        warnings=trace.warnings if trace else (),
    )


def _rows(trace: MatrixTrace | None, screening: ScreeningPart | None, ruleset: Ruleset) -> tuple[PresenterRow, ...]:
    if trace is None:
        return ()
    notes = {note.variable: note.note for note in screening.rating_notes} if screening else {}
    rows = []
    for rating in trace.ratings:
        variable, level = _key(rating.variable, rating.level)
        rows.append(PresenterRow(
            variable=variable, label=ruleset.variable_labels[variable], level=level,
            level_label=ruleset.document.levels[level], definition=ruleset.variable(variable).definitions[level],
            destinations=tuple(ruleset.destination_labels[c] for c in ruleset.cell_destinations[(variable, level)]),
            note=notes.get(variable),
        ))  # fmt: skip
    return tuple(rows)


def _key(variable: str, level: str) -> tuple[VariableId, Level]:
    """The trace's strings as the ruleset's keys (a stored trace is JSON: plain strings)."""
    return variable, level  # type: ignore[return-value]


def _fired(trace: MatrixTrace | None, ruleset: Ruleset) -> tuple[tuple[str, str], ...]:
    """Each destination fired, with the ruleset's own sentence of why: which variables, at which level."""
    if trace is None:
        return ()
    levels = {rating.variable: rating.level for rating in trace.ratings}
    template = ruleset.document.reasons["destination"]
    fired = []
    for destination in trace.destinations:
        triggers = [f"{ruleset.variable_labels.get(v, v)} {ruleset.level_words.get(levels[v], levels[v])}"  # type: ignore[call-overload]
                    for v in destination.triggered_by]  # fmt: skip
        why = template.format(destination=destination.label, variables=join_words(triggers)) if triggers else ""
        fired.append((destination.label, why))
    return tuple(fired)


def _route(ruleset: Ruleset, record: ReferralRecord, code: str, step: int | None) -> str:
    label = ruleset.outcome_labels.get(code) or record.names.routes.get(code, code)
    if step is None:
        return label
    steps = {int(number): text for number, text in ruleset.document.steps.labels.items()}
    return f"{label}, {steps.get(step, f'step {step}')}"


def _decided(decision: DecisionPart | None, ruleset: Ruleset, record: ReferralRecord) -> str | None:
    if decision is None:
        return None
    chosen = _route(ruleset, record, decision.confirmed_route, decision.confirmed_step)
    if not decision.overridden:
        return f"{chosen} (as recommended)"
    return f"{chosen} (changed: {decision.override_reason or 'no reason recorded'})"


def _risk_answers(risk: RiskPart) -> tuple[tuple[str, str], ...]:
    questions = labels().risk_questions
    return tuple(
        (questions.get(a.question, a.question), PRESENT.get(a.present, a.present) + (f" ({a.detail})" if a.detail else ""))
        for a in risk.answers
    )  # fmt: skip


def _actions(risk: RiskPart) -> str:
    contact = f"contacted {risk.contacted}" + (f" at {uk_time(risk.contacted_at)}" if risk.contacted_at else "")
    parts = [part.strip().rstrip(".;") for part in (risk.actions_taken, contact if risk.contacted else "")]
    return "; ".join(part for part in parts if part) or NONE


def _history(record: ReferralRecord, ruleset: Ruleset) -> tuple[str, ...]:
    """The person's other referrals and every bounce, one line each, without a name or identifier."""
    words = labels()
    lines = []
    for other in record.earlier_referrals:
        route = (
            _route(ruleset, record, other.confirmed_route, other.confirmed_step)
            if other.confirmed_route
            else "no decision"
        )
        line = (f"Referral received {uk_date(other.received_on)} ({words.sources.get(other.source, other.source)}), "
                f"{words.statuses.get(other.status, other.status).lower()}: {route}")  # fmt: skip
        if other.returned_from:
            line += f"; came back from {words.returned_from.get(other.returned_from, other.returned_from)}"
        lines.append(line)
    referral = record.referral
    if referral.returned_from:
        came_back = words.returned_from.get(referral.returned_from, referral.returned_from)
        lines.append(f"This referral came back from {came_back} (received {uk_date(referral.received_on)})")
    if record.decision is not None and record.decision.return_rationale:
        lines.append(f"Routed again to a service that returned the person: {record.decision.return_rationale}")
    if referral.duplicate_of_id:
        lines.append(DUPLICATE)
    return tuple(lines)
