"""What each section of the read-only record says, as rich text (every value escaped): the same words
as the record's text form (``triage referrals show``, ``triage.services.record_output``): UK dates,
the app's labels, the ruleset's names for routes, ratings and levels. No Qt here; the widgets are
record_view.py.

Risk and the decision come first: they are what a colleague opening a referral must not miss. Each
line is one block, so a screen reader reads (and a keyboard user's caret moves) line by line."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from typing import TYPE_CHECKING

from triage.labels import labels
from triage.rules.questionnaires import questionnaire
from triage.services.assessment_view import (
    assessment_rows,
    intervention_words,
    mus_confirmation_words,
    protective_level_words,
)
from triage.services.completeness import missing_line
from triage.services.journey_record import journey_lines
from triage.services.record_output import BASIS, MUS_CONFIRMED, PRESENT, correction_lines, merge_lines, uk_date, uk_time

if TYPE_CHECKING:
    from triage.services.referral_record import Names, ReferralRecord, ScreeningPart

NONE = "none recorded"
# The sections' headings, in the order the page shows them (each also the section's accessible name).
HEADINGS = ("Risk", "Decision", "Referral", "Journey and waits", "Screening answers", "Ratings and matrix trace",
            "Letters", "Status history", "Corrections", "Merges", "Other referrals for this person")  # fmt: skip


def sections(record: ReferralRecord) -> list[tuple[str, str]]:
    """(heading, rich text) for every section, in ``HEADINGS`` order."""
    writers = (risk, decision, referral, journey, screening_answers, trace, letters, status_history, corrections,
               merges, other_referrals)  # fmt: skip
    return [(heading, html(write(record))) for heading, write in zip(HEADINGS, writers, strict=True)]


def html(lines: Iterable[str]) -> str:
    return "".join(line if line.startswith("<div") else f"<div>{line}</div>" for line in lines)


def row(label: str, value: str) -> str:
    """A labelled line; ``value`` is already escaped."""
    return f"<b>{escape(label)}:</b> {value}"


def item(text: str) -> str:
    """A line of a list, indented (by a margin: spaces would reach a screen reader)."""
    return f'<div style="margin-left: 18px">• {text}</div>'


def route_name(names: Names, code: str | None, step: int | None) -> str:
    if code is None:
        return "no decision"
    return escape(names.routes.get(code, code)) + (f", step {step}" if step is not None else "")


def level(names: Names, code: str) -> str:
    return escape(names.levels.get(code, code))


def variable(names: Names, code: str) -> str:
    return names.variables.get(code, code)


# --- the sections ------------------------------------------------------------------------------


def risk(record: ReferralRecord) -> list[str]:
    screening = record.screening
    if screening is None:
        return ["Not screened yet: no risk has been rated or recorded."]
    names, details = record.names, screening.risk_details
    rated = level(names, screening.risk)
    lines = ["<b>⚠ HIGH RISK</b>"] if screening.risk == "high" else []
    lines.append(row("Risk rating", f"<b>{rated}</b> (at the screening of {uk_time(screening.screened_at)}"
                                    f" by {escape(screening.screened_by)})"))  # fmt: skip
    lines += [
        row(labels().risk_questions.get(a.question, a.question),
            escape(PRESENT.get(a.present, a.present)) + (f": {escape(a.detail)}" if a.detail else ""))
        for a in details.answers
    ]  # fmt: skip
    lines.append(row("PHQ-9 item 9 (thoughts of being better off dead or of self-harm)",
                     answer(questionnaire("phq9").answers, screening.phq9[8])))  # fmt: skip
    lines += [
        row("Protective factors", escape(details.protective_factors) or NONE),
        row("Protective factors rated", escape(protective_level_words(details.protective_level))),
        row("Who was contacted", escape(details.contacted) or NONE),
        row("When", uk_time(details.contacted_at) if details.contacted_at else NONE),
        row("What was agreed, actions taken", escape(details.actions_taken) or NONE),
    ]
    lines += [row("Note on the risk rating", escape(n.note)) for n in screening.rating_notes if n.variable == "risk"]
    return lines


def decision(record: ReferralRecord) -> list[str]:
    made, names = record.decision, record.names
    if made is None:
        lines = ["Not decided yet."]
        if record.trace is not None:
            lines.append(row("The matrix recommends", route_name(names, record.trace.route, record.trace.step)
                             + " (under the ruleset in force; no person has confirmed it)"))  # fmt: skip
        return lines
    count = record.decisions_recorded
    chosen = route_name(names, made.confirmed_route, made.confirmed_step)
    lines = [
        row("Decided", f"{uk_time(made.decided_at)} by {escape(made.decided_by)}"
            + (f" (the latest of {count} decisions)" if count > 1 else "")),
        row("Recommended by the matrix", route_name(names, made.recommended_route, made.recommended_step)),
        row("Chosen", f"<b>{chosen}</b>" + (" — NOT the recommendation (an override)" if made.overridden
                                             else " — as recommended")),
        *([row("Criterion", escape(names.criteria.get(made.outcome_criterion, made.outcome_criterion)))]
          if made.outcome_criterion else []),
        row("Reason", escape(made.override_reason) if made.override_reason else "none needed (as recommended)"),
        *([row("Returned before; matrix rationale", escape(made.return_rationale))] if made.return_rationale else []),
        row("Warnings acknowledged", "yes" if made.warnings_acknowledged else "no"),
        row("Ruleset", escape(f"{made.ruleset_id} {made.ruleset_version}")),
    ]  # fmt: skip
    if not made.on_latest_screening:
        lines.append("⚠ The referral was screened again after this decision, which was made on an earlier screening.")
    return lines


def referral(record: ReferralRecord) -> list[str]:
    r, words, names = record.referral, labels(), record.names
    practice = f"{r.gp_practice.name} ({r.gp_practice.code})" if r.gp_practice else NONE
    lines = [
        row("Reference", escape(r.reference)),
        row("Status", escape(words.statuses.get(r.status, r.status))),
        row("Current route", route_name(names, r.current_route, r.current_step)),
        row("Received", f"{uk_date(r.received_on)}, from {escape(words.sources.get(r.source, r.source))}"),
        row("GP practice", escape(practice)),
        row("Telephone", escape(r.phone or NONE)),
        row("Postal address", escape(", ".join([*r.address_lines, r.postcode or ""]).strip(", ") or NONE)),
        row("Referring GP", escape(r.referring_gp or ("the practice (chosen)" if r.letter_to_practice else NONE))),
        row("Interpreter", escape(r.interpreter_language or "not needed")),
        row("Team", escape(r.team_code or "none (the whole service's)")),
        row("Assigned clinician", escape(r.assigned_to or "nobody")),
        row("Still missing", escape(missing_line(record))),
    ]
    if r.returned_from:
        lines.append(row("Came back from", escape(names.routes.get(r.returned_from, r.returned_from))))
    if r.duplicate_of_id:
        lines.append("⚠ Possible duplicate: another referral for this person was still open when this one arrived.")
    lines.append(row("Referral id", escape(r.id)))
    return lines


def journey(record: ReferralRecord) -> list[str]:
    """The contact steps, the journey's dates, the waits and each target's flag in words, with its source."""
    return [item(escape(value)) if label == "-" else row(label, escape(value))
            for label, value in journey_lines(record.journey)]  # fmt: skip


def screening_answers(record: ReferralRecord) -> list[str]:
    screening, names, words = record.screening, record.names, labels()
    if screening is None:
        return ["Not screened yet."]
    count = record.screenings_recorded
    lines = [row("Screened", f"{uk_time(screening.screened_at)} by {escape(screening.screened_by)}"
                 + (f" (the latest of {count} screenings)" if count > 1 else ""))]  # fmt: skip
    lines += questionnaire_lines("phq9", screening.phq9)
    lines += questionnaire_lines("gad7", screening.gad7)
    lines += questionnaire_lines("wsas", screening.wsas) if screening.wsas is not None else [row("WSAS", "not asked")]
    lines.append("<b>Rated by the screener:</b>")
    lines += [item(row(variable(names, v), level(names, value))) for v, value in rated(screening)]
    lines += [item(row(f"Note on {variable(names, n.variable)}", escape(n.note))) for n in screening.rating_notes]
    problem = screening.problem_descriptor
    lines += [
        row("Problem descriptor", escape(words.problem_descriptors.get(problem, problem)) if problem else NONE),
        row("Long-term conditions", escape("; ".join(screening.long_term_conditions)) or NONE),
        row(
            "Medically unexplained symptoms",
            ("yes" if screening.medically_unexplained_symptoms else "no")
            + (f": {escape('; '.join(screening.mus_kinds))}" if screening.mus_kinds else ""),
        ),
        *([row(MUS_CONFIRMED, escape(mus_confirmation_words(screening.assessment)))]
          if screening.medically_unexplained_symptoms else []),
        row("Previous interventions", "" if screening.previous_interventions else NONE),
    ]  # fmt: skip
    lines += [item(escape(intervention_words(i))) for i in screening.previous_interventions]
    lines.append("<b>Assessment: access needs, circumstances, goals and choice:</b>")
    rows = assessment_rows(screening.assessment, screening.secondary_descriptors, screening.discuss_in_supervision)
    lines += [item(row(label, escape(value))) for label, value in rows]
    return lines


def rated(screening: ScreeningPart) -> list[tuple[str, str]]:
    return [("chronicity", screening.chronicity), ("complexity", screening.complexity),
            ("impairment", screening.impairment), ("substance_use", screening.substance_use), ("risk", screening.risk)]  # fmt: skip


def questionnaire_lines(key: str, answers: tuple[int, ...]) -> list[str]:
    form = questionnaire(key)
    lines = [f"<b>{escape(form.name)} answers</b> (total {sum(answers)}):"]
    lines += [item(f"{n}. {escape(text)}: {answer(form.answers, a)}")
              for n, (text, a) in enumerate(zip(form.items, answers, strict=True), 1)]  # fmt: skip
    return lines


def answer(words: dict[int, str], value: int) -> str:
    """The score and, where the questionnaire names it, its words ("2, More than half the days")."""
    return f"{value}, {escape(words[value])}" if value in words else str(value)


def trace(record: ReferralRecord) -> list[str]:
    found, names = record.trace, record.names
    if found is None:
        return ["Nothing to trace: not screened yet."]
    lines = [
        row("Ruleset", escape(f"{found.ruleset_id} {found.ruleset_version} ({found.ruleset_status}), "
                              f"{BASIS[found.basis]}")),
        row("Scores", f"PHQ-9 {found.phq9_total}, GAD-7 {found.gad7_total}"),
        "<b>The seven ratings, in the matrix's order:</b>",
        *(item(row(variable(names, r.variable), level(names, r.level))) for r in found.ratings),
        row("Destinations indicated", "" if found.destinations else NONE),
        *(item(f"{escape(d.label)}, by {escape(', '.join(variable(names, v) for v in d.triggered_by))}")
          for d in found.destinations),
        row("Recommended", route_name(names, found.route, found.step)),
        row("A person must choose", "yes" if found.needs_confirmation else "no"),
        *(row("Warning", escape(w)) for w in found.warnings),
        row("Reasons", ""),
        *(item(escape(reason)) for reason in found.reasons),
        row("Cells matched", escape(", ".join(found.matched_cells)) or NONE),
        row("Step rules matched", escape(", ".join(found.matched_steps)) or NONE),
        row("Replay", escape(found.replay_message)),
    ]  # fmt: skip
    return lines


def letters(record: ReferralRecord) -> list[str]:
    kinds = labels().letter_kinds
    if not record.letters:
        return ["No letter has been written."]
    return [
        f"{uk_time(letter.created_at)}: {escape(kinds.get(letter.kind, letter.kind))} {escape(letter.event)}"
        f" by {escape(letter.created_by)} ({letter.pages} page{'' if letter.pages == 1 else 's'})"
        for letter in record.letters
    ]


def status_history(record: ReferralRecord) -> list[str]:
    statuses = labels().statuses
    return [f"{uk_time(c.changed_at)}: {escape(statuses.get(c.status, c.status))} ({escape(c.actor)})"
            for c in record.status_history] or [NONE]  # fmt: skip


def corrections(record: ReferralRecord) -> list[str]:
    """Each identifier corrected (what it was, what it became, why, by whom, when), as `triage referrals show` does."""
    return [escape(line) for line in correction_lines(record)] or [NONE]


def merges(record: ReferralRecord) -> list[str]:
    """Each merge of two records of the person, and its undoing, as `triage referrals show` says it."""
    return [escape(line) for line in merge_lines(record)] or [NONE]


def other_referrals(record: ReferralRecord) -> list[str]:
    words, names = labels(), record.names
    if not record.earlier_referrals:
        return ["None: this is the person's only referral."]
    return [
        f"{uk_date(h.received_on)}, from {escape(words.sources.get(h.source, h.source))}:"
        f" {escape(words.statuses.get(h.status, h.status))}, {route_name(names, h.confirmed_route, h.confirmed_step)}"
        + (f"; came back from {escape(names.routes.get(h.returned_from, h.returned_from))}" if h.returned_from else "")
        for h in record.earlier_referrals
    ]
