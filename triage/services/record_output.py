"""A referral's record as text (for a person: headed sections, UK dates, the app's labels, the ruleset's
route names) and as JSON (for a program: stable keys, codes, ISO dates and times).

Both are pure functions of the record: they read nothing and record nothing, so the one view the
record was audited as stays the only one. Imported by ``referral_record``, which re-exports them;
the record's types are imported for type checking only, to keep that import one-way.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, fields, is_dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from triage.labels import labels
from triage.services.assessment_view import (
    assessment_rows,
    intervention_words,
    mus_confirmation_words,
    protective_level_words,
)
from triage.services.completeness import missing, missing_line
from triage.services.journey_record import journey_lines

if TYPE_CHECKING:
    from triage.services.referral_record import (
        DecisionPart,
        MatrixTrace,
        Names,
        ReferralRecord,
        RiskPart,
        ScreeningPart,
    )

PRESENT = {"not_asked": "Not asked", "no": "No", "yes": "Yes"}
BASIS = {
    "replayed": "replayed under the decision's own ruleset",
    "stored": "as stored with the decision (its ruleset is not on this computer, so it was not replayed)",
    "ruleset_in_force": "under the ruleset in force (not yet decided)",
}
NONE = "none recorded"


# --- JSON ----------------------------------------------------------------------------------------


def record_as_json(record: ReferralRecord) -> dict[str, Any]:
    """The record as a JSON object: every part under its own key (codes, not labels), dates and times
    in ISO 8601 (times in UTC)."""
    sections = {field.name: getattr(record, field.name) for field in fields(record) if field.name != "names"}
    data: dict[str, Any] = {name: _jsonable(value) for name, value in sections.items()}
    if record.decision is not None:
        data["decision"]["overridden"] = record.decision.overridden
    data["missing"] = list(missing(record))  # services/completeness.py: what the record still lacks
    return data


def _jsonable(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {key: _jsonable(item) for key, item in asdict(value).items()}
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    if isinstance(value, (date, datetime)):  # datetimes come from the store in UTC
        return value.isoformat()
    return value


# --- text ----------------------------------------------------------------------------------------


def record_as_text(record: ReferralRecord) -> str:
    """The record as plain text, one headed section per part, in the order the issue lists them."""
    sections = [
        ("Person", _person(record)),
        ("Referral", _referral(record)),
        ("Screening", _screening(record.screening, record.screenings_recorded, record.names)),
        ("Ratings and matrix trace", _trace(record.trace, record.names)),
        ("Risk", _risk(record.screening.risk_details) if record.screening else [NONE]),
        ("Assessment", _assessment(record.screening) if record.screening else [NONE]),
        ("Decision", _decision(record.decision, record.decisions_recorded, record.names)),
        ("Letters", _letters(record)),
        ("Status history", _status_history(record)),
        ("Corrections", _corrections(record)),
        ("Merges", [f"  {line}" for line in merge_lines(record)] or [f"  {NONE}"]),
        ("Journey and waits", _journey(record)),
        ("Other referrals for this person", _earlier(record)),
    ]
    title = f"Referral {record.referral.id}"
    lines = [title, "=" * len(title)]
    for heading, body in sections:
        lines += ["", heading, "-" * len(heading), *body]
    return "\n".join(lines) + "\n"


def uk_date(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def uk_time(value: datetime) -> str:
    """A stored moment on this computer's clock, as the app shows it."""
    return value.astimezone().strftime("%d/%m/%Y %H:%M")


def _row(label: str, value: object) -> str:
    return f"  {label}: {value}" if value != "" else f"  {label}:"  # a list follows on its own lines


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def _route(names: Names, code: str | None, step: int | None) -> str:
    if code is None:
        return "no decision"
    return names.routes.get(code, code) + (f", step {step}" if step is not None else "")


def _person(record: ReferralRecord) -> list[str]:
    person = record.person
    nhs = person.nhs_number
    return [
        _row("Name", f"{person.given_name} {person.family_name.upper()}"),
        _row("NHS number", f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}"),
        _row("Date of birth", uk_date(person.date_of_birth)),
    ]


def _referral(record: ReferralRecord) -> list[str]:
    r, words = record.referral, labels()
    practice = f"{r.gp_practice.name} ({r.gp_practice.code})" if r.gp_practice else NONE
    lines = [
        _row("Reference", r.reference),
        _row("Received", f"{uk_date(r.received_on)}, {words.sources.get(r.source, r.source)}"),
        _row("Status", words.statuses.get(r.status, r.status)),
        _row("Current route", _route(record.names, r.current_route, r.current_step)),
        _row("GP practice", practice),
        _row("Telephone", r.phone or NONE),
        _row("Postal address", ", ".join([*r.address_lines, r.postcode or ""]).strip(", ") or NONE),
        _row("Referring GP", r.referring_gp or ("the practice (chosen)" if r.letter_to_practice else NONE)),
        _row("Interpreter", r.interpreter_language or "not needed"),
        _row("Team", r.team_code or "none (the whole service's)"),
        _row("Assigned clinician", r.assigned_to or "nobody"),
        _row("Still missing", missing_line(record)),
    ]
    if r.returned_from:
        lines.append(
            _row("Came back from", record.names.routes.get(r.returned_from, r.returned_from.replace("_", " ")))
        )
    if r.duplicate_of_id:
        lines.append(_row("Possible duplicate of", f"referral {r.duplicate_of_id} (open when this one arrived)"))
    lines.append(_row("Notes", r.notes or NONE))
    return lines


def _screening(screening: ScreeningPart | None, count: int, names: Names) -> list[str]:
    if screening is None:
        return ["  not screened yet"]
    words = labels()
    problem = screening.problem_descriptor
    lines = [
        _row("Screened", f"{uk_time(screening.screened_at)} by {screening.screened_by}"
             + (f" (the latest of {count} screenings)" if count > 1 else "")),
        _row("PHQ-9 answers", _items(screening.phq9)),
        _row("GAD-7 answers", _items(screening.gad7)),
        _row("WSAS answers", _items(screening.wsas) if screening.wsas is not None else "not asked"),
        *(_row(names.variables.get(v, v), names.levels.get(level, level)) for v, level in (
            ("chronicity", screening.chronicity), ("complexity", screening.complexity),
            ("impairment", screening.impairment), ("substance_use", screening.substance_use),
            ("risk", screening.risk))),
        _row("Problem descriptor", words.problem_descriptors.get(problem, problem) if problem else NONE),
        _row("Long-term conditions", "; ".join(screening.long_term_conditions) or NONE),
        _row("Medically unexplained symptoms", _mus(screening)),
        *([_row(MUS_CONFIRMED, mus_confirmation_words(screening.assessment))]
          if screening.medically_unexplained_symptoms else []),
        _row("Previous interventions", NONE if not screening.previous_interventions else ""),
    ]  # fmt: skip
    lines += [f"    - {intervention_words(i)}" for i in screening.previous_interventions]
    lines += [_row(f"Note on {names.variables.get(n.variable, n.variable)}", n.note) for n in screening.rating_notes]
    return lines


MUS_CONFIRMED = "GP confirmed no physical illness missed"


def _mus(screening: ScreeningPart) -> str:
    """Yes or no, and the kinds ticked (live-call issue, defect 7)."""
    kinds = "; ".join(screening.mus_kinds)
    return _yes_no(screening.medically_unexplained_symptoms) + (f": {kinds}" if kinds else "")


def _items(answers: tuple[int, ...]) -> str:
    return f"{' '.join(str(a) for a in answers)} (total {sum(answers)})"


def _trace(trace: MatrixTrace | None, names: Names) -> list[str]:
    if trace is None:
        return ["  nothing to trace: not screened yet"]
    lines = [
        _row("Ruleset", f"{trace.ruleset_id} {trace.ruleset_version} ({trace.ruleset_status}), {BASIS[trace.basis]}"),
        _row("Scores", f"PHQ-9 {trace.phq9_total}, GAD-7 {trace.gad7_total}"),
    ]
    lines += [
        _row(names.variables.get(r.variable, r.variable), names.levels.get(r.level, r.level)) for r in trace.ratings
    ]
    lines.append(_row("Destinations indicated", "" if trace.destinations else NONE))
    lines += [
        f"    - {d.label}, by {', '.join(names.variables.get(v, v) for v in d.triggered_by)}"
        for d in trace.destinations
    ]
    lines += [
        _row("Recommended", _route(names, trace.route, trace.step)),
        _row("A person must choose", _yes_no(trace.needs_confirmation)),
        _row("Cells matched", ", ".join(trace.matched_cells) or NONE),
        _row("Step rules matched", ", ".join(trace.matched_steps) or NONE),
    ]
    lines += [f"  Warning: {warning}" for warning in trace.warnings]
    lines += ["  Reasons:", *(f"    - {reason}" for reason in trace.reasons)]
    lines.append(_row("Replay", trace.replay_message))
    return lines


def _risk(risk: RiskPart) -> list[str]:
    lines = [_row(labels().risk_questions.get(a.question, a.question), PRESENT.get(a.present, a.present)
                  + (f" ({a.detail})" if a.detail else "")) for a in risk.answers]  # fmt: skip
    contact = risk.contacted + (f", {uk_time(risk.contacted_at)}" if risk.contacted_at else "")
    lines += [
        _row("Protective factors", risk.protective_factors or NONE),
        _row("Protective factors rated", protective_level_words(risk.protective_level)),
        _row("Contacted", contact or NONE),
        _row("Actions taken", risk.actions_taken or NONE),
    ]
    return lines


def _assessment(screening: ScreeningPart) -> list[str]:
    """Access needs, circumstances, goals and the choice record (issue 15, item 7)."""
    rows = assessment_rows(screening.assessment, screening.secondary_descriptors, screening.discuss_in_supervision)
    return [_row(label, value) for label, value in rows]


def _decision(decision: DecisionPart | None, count: int, names: Names) -> list[str]:
    if decision is None:
        return ["  not decided yet"]
    lines = [
        _row("Decided", f"{uk_time(decision.decided_at)} by {decision.decided_by}"
             + (f" (the latest of {count} decisions)" if count > 1 else "")),
        _row("Recommended", _route(names, decision.recommended_route, decision.recommended_step)),
        _row("Chosen", _route(names, decision.confirmed_route, decision.confirmed_step)
             + (" (an override of the recommendation)" if decision.overridden else " (as recommended)")),
        *([_row("Criterion", names.criteria.get(decision.outcome_criterion, decision.outcome_criterion))]
          if decision.outcome_criterion else []),
        _row("Reason", decision.override_reason or "none needed"),
        *([_row("Returned before; matrix rationale", decision.return_rationale)] if decision.return_rationale else []),
        _row("Warnings acknowledged", _yes_no(decision.warnings_acknowledged)),
        _row("Ruleset", f"{decision.ruleset_id} {decision.ruleset_version} (sha256 {decision.ruleset_sha256})"),
    ]  # fmt: skip
    if not decision.on_latest_screening:
        lines.append(
            "  Note: the referral was screened again after this decision, which was made on an earlier screening"
        )
    return lines


def _letters(record: ReferralRecord) -> Iterator[str]:
    kinds = labels().letter_kinds
    if not record.letters:
        yield f"  {NONE}"
    for letter in record.letters:
        pages = f"{letter.pages} page{'' if letter.pages == 1 else 's'}"
        yield f"  {uk_time(letter.created_at)} {kinds.get(letter.kind, letter.kind)} {letter.event} by {letter.created_by} ({pages})"


def _status_history(record: ReferralRecord) -> list[str]:
    statuses = labels().statuses
    return [f"  {uk_time(c.changed_at)} {statuses.get(c.status, c.status)} ({c.actor})" for c in record.status_history]


def _corrections(record: ReferralRecord) -> list[str]:
    """Each identifier corrected: what it was, what it became, why, by whom and when."""
    return [f"  {line}" for line in correction_lines(record)] or [f"  {NONE}"]


def correction_lines(record: ReferralRecord) -> list[str]:
    """The corrections as lines of plain text (the app's record escapes them for its own)."""
    words = labels()
    return [
        f"{uk_time(c.corrected_at)} {words.identity_fields.get(c.field, c.field)} corrected from "
        f"\u201c{_shown(c.field, c.old_value)}\u201d to \u201c{_shown(c.field, c.new_value)}\u201d "
        f"({words.correction_reasons.get(c.reason_category, c.reason_category)}: {c.reason}) by {c.corrected_by}"
        for c in record.corrections
    ]


def merge_lines(record: ReferralRecord) -> list[str]:
    """Each merge of two records this person took part in, and its undoing, as lines of plain text."""
    words, lines = labels(), []
    for m in record.merges:
        moved = f"{len(m.referral_ids)} referral{'' if len(m.referral_ids) == 1 else 's'}"
        other = f"the record with NHS number {_shown('nhs_number', m.other_nhs_number)}"
        what = (
            f"{other} merged into this one ({moved} moved here)"
            if m.kept
            else f"merged into {other} ({moved} moved there)"
        )
        lines.append(f"{uk_time(m.merged_at)} merge {m.id}: {what} "
                     f"({words.merge_reasons.get(m.reason_category, m.reason_category)}: {m.reason}) by {m.merged_by}")  # fmt: skip
        if m.undone_at is not None:
            lines.append(f"{uk_time(m.undone_at)} merge {m.id} undone ({m.undo_reason}) by {m.undone_by}")
    return lines


def _shown(field: str, value: str) -> str:
    if field == "date_of_birth":
        return uk_date(date.fromisoformat(value))
    return f"{value[:3]} {value[3:6]} {value[6:]}" if field == "nhs_number" else value


def _earlier(record: ReferralRecord) -> list[str]:
    words = labels()
    if not record.earlier_referrals:
        return ["  none"]
    return [
        f"  {uk_date(h.received_on)} {words.sources.get(h.source, h.source)}, {words.statuses.get(h.status, h.status)}: "
        f"{_route(record.names, h.confirmed_route, h.confirmed_step)}"
        + (f"; came back from {record.names.routes.get(h.returned_from, h.returned_from.replace('_', ' '))}"
           if h.returned_from else "")
        for h in record.earlier_referrals
    ]  # fmt: skip


def _journey(record: ReferralRecord) -> list[str]:
    return [f"    - {value}" if label == "-" else _row(label, value) for label, value in journey_lines(record.journey)]
