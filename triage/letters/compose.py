"""From a routing, a decision and the particulars to the content of one letter: which blocks of the
template apply, with their placeholders filled and abbreviations expanded on first use.

Pure: no reportlab, no clock, no I/O beyond the (cached) templates. The result, a LetterContent, is
what render.py lays out, and its ``paragraphs()`` are the exact text the PDF carries. The pieces
live beside this module: the confirmed outcome in outcome.py, the content model and its markup in
content.py, the case and the facts its conditions test in case.py, the placeholders' values in
placeholders.py, and abbreviations in abbreviations.py.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from triage.letters.abbreviations import Abbreviations
from triage.letters.case import Case, drivers_of, facts_of, helplines, holds
from triage.letters.content import LetterContent, Part, protect
from triage.letters.outcome import Outcome, decide
from triage.letters.outcome_templates import outcome_template
from triage.letters.particulars import Decision, Helpline, LetterInputError, Particulars, PreviousIntervention
from triage.letters.placeholders import gp_name, placeholder_values, score_range
from triage.letters.templates import Block, KindTemplate, Labels, LetterKind, LetterTemplates, Words, default_templates
from triage.rules.routing import Routing
from triage.rules.ruleset import Ruleset
from triage.rules.ruleset_checks import SCALE_MAX
from triage.rules.screening import Screening
from triage.rules.vocabulary import VARIABLES, Level


def compose_letter(
    kind: LetterKind,
    *,
    screening: Screening,
    routing: Routing,
    particulars: Particulars,
    decision: Decision | None = None,
    letter_date: date,
    ruleset: Ruleset,
    templates: LetterTemplates | None = None,
) -> LetterContent:
    """The content of one letter. Raises LetterInputError when the input cannot make this letter."""
    templates = templates or default_templates()
    if routing.ruleset.sha256 != ruleset.sha256:
        raise ValueError(
            f"the routing was made under ruleset {routing.ruleset.id} {routing.ruleset.version}"
            f" ({routing.ruleset.sha256[:8]}), not {ruleset.id} {ruleset.version} ({ruleset.sha256[:8]})"
        )
    outcome = decide(routing, decision)
    template = outcome_template(kind, templates, ruleset, outcome)  # the kind's own, for a matrix route
    _check_consistency(kind, template, screening, particulars, outcome, letter_date)
    drivers, step_reasons = drivers_of(routing, outcome, ruleset)
    scope = templates.outcomes.scope if templates.outcomes else None
    case = Case(kind, template, templates.common, screening, routing, particulars, outcome, ruleset, letter_date,
                 drivers, step_reasons, in_meeting=bool(decision and decision.in_meeting),
                 scope_can=tuple(scope.can_help) if scope else (),
                 scope_cannot=tuple(scope.cannot_help) if scope else ())  # fmt: skip
    return _content(case)


def _check_consistency(
    kind: LetterKind,
    template: KindTemplate,
    screening: Screening,
    particulars: Particulars,
    outcome: Outcome,
    letter_date: date,
) -> None:
    problems: list[str] = []
    if template.routes is not None and outcome.route not in template.routes:
        problems.append(
            f"kind: a {kind} letter is only for the routes {', '.join(template.routes)}; this decision is {outcome.route}"
        )
    if particulars.patient.date_of_birth > particulars.referral.received_on:
        problems.append("patient.date_of_birth: must be before the referral was received")
    if particulars.referral.received_on > letter_date:
        problems.append("referral.received_on: must not be after the letter date")
    given = particulars.details.previous_interventions
    unhelpful = sum(1 for item in given if item.outcome == "unhelpful")
    if given and unhelpful != screening.previous_unhelpful_interventions:
        problems.append(
            f"details.previous_interventions: {unhelpful} marked unhelpful, but previous_unhelpful_interventions"
            f" is {screening.previous_unhelpful_interventions}; they must agree"
        )
    if problems:
        raise LetterInputError(problems)


def _content(case: Case) -> LetterContent:
    common, labels = case.common, case.common.labels
    values = placeholder_values(case)
    facts = facts_of(case)
    expand = Abbreviations(common)
    p = case.particulars

    def fill(text: str) -> str:
        return expand(text.format_map(values))

    recipient = tuple(expand(line) for line in _recipient(case, values))  # read first
    subject = fill(case.template.subject)
    salutation_text = case.template.salutation
    if p.gp.name is None and case.template.salutation_unnamed:
        salutation_text = case.template.salutation_unnamed  # "Dear Doctor," not "Dear The GP,"
    salutation = fill(salutation_text) if salutation_text else None
    parts: list[Part] = []
    shown: set[str] = set()
    for block in case.template.blocks:
        if block.when is not None and not holds(block.when, facts, shown):
            continue
        part = _part(block, case, fill, expand)
        if part is None:
            continue
        parts.append(part)
        if block.id:
            shown.add(block.id)

    service = p.service
    sender = [service.name if service else common.default_service]
    if service:
        sender += list(service.address_lines)
        if service.phone:
            sender.append(labels.telephone.format(service_phone=service.phone))
    dated = [(labels.date, values["letter_date"])]
    if p.referral.id:
        dated.append((labels.our_ref, p.referral.id))
    ident = labels.identity
    identity = [
        (ident["name"], p.patient.full_name),
        (ident["date_of_birth"], values["date_of_birth"]),
        (ident["nhs_number"], p.patient.nhs_number_display),
    ]
    if case.template.recipient != "patient":
        referral = labels.referral_line.format(received_on=values["received_on"], source=values["source"])
        if case.template.recipient == "destination":
            gp = ", ".join([gp_name(case), p.gp.practice_name, *p.gp.address_lines, p.gp.postcode])
            identity.append((ident["gp"], gp))
        identity.append((ident["referral"], referral))
    footer_left = labels.footer_left.format(service_name=sender[0])
    if p.referral.id:
        footer_left += " · " + labels.footer_ref.format(referral_id=p.referral.id)
    return LetterContent(
        kind=case.kind,
        title=case.template.title,
        font_size=case.template.font_size,
        sender=tuple(sender),
        recipient=recipient,
        dated=tuple(dated),
        identity=tuple(identity),
        subject=subject,
        salutation=salutation,
        parts=tuple(parts),
        closing=fill(case.template.closing),
        signature=tuple(fill(line) for line in case.template.signature),
        copy_to=_copy_to(case, fill, facts, shown),
        later_pages=labels.later_pages.format_map(values),
        footer_left=footer_left,
        footer_rules=labels.footer_rules.format(
            ruleset_id=case.ruleset.id, ruleset_version=case.ruleset.version, ruleset_hash=case.ruleset.sha256[:8]
        ),
        page_label=labels.page,
    )


def _copy_to(case: Case, fill: Any, facts: dict[str, Any], shown: set[str]) -> str | None:
    """The "Copy:" line, when the template has one and its condition holds (a GP letter names the
    patient as copied only when the patient copy was printed or saved for this decision)."""
    template = case.template
    if not template.copy_to or (template.copy_to_when is not None and not holds(template.copy_to_when, facts, shown)):
        return None
    return str(fill(template.copy_to))


def _recipient(case: Case, values: dict[str, str]) -> tuple[str, ...]:
    p, labels = case.particulars, case.common.labels
    if case.template.recipient == "gp":
        return (gp_name(case), p.gp.practice_name, *p.gp.address_lines, p.gp.postcode)
    if case.template.recipient == "patient":
        return (labels.private, p.patient.full_name, *(p.patient.postal_lines or (labels.no_postal_address,)))
    return (values["destination"],)


def _part(block: Block, case: Case, fill: Any, expand: Abbreviations) -> Part | None:
    if block.heading is not None:
        return Part("heading", block.style, text=fill(block.heading))
    if block.paragraph is not None:
        return Part("paragraph", block.style, text=fill(block.paragraph))
    if block.bullets is not None:
        items = tuple(expand(item) for item in _bullet_items(block.bullets, case))
        return Part("bullets", block.style, items=items) if items else None
    assert block.table is not None
    rows, strong = _table(block.table, case)
    rows = tuple(tuple(expand(cell) for cell in row) for row in rows)
    return Part("table", block.style, table=block.table, rows=rows, strong_rows=strong)


def _bullet_items(name: str, case: Case) -> list[str]:
    words, labels, ruleset, ratings = case.common.words, case.common.labels, case.ruleset, case.routing.ratings
    if name == "criteria":
        return [
            labels.criterion.format(
                variable=ruleset.variable_labels[v],
                level=words.levels[getattr(ratings, v)],
                definition=ruleset.variable(v).definitions[getattr(ratings, v)],
            )
            for v in case.drivers
        ]
    if name == "plain_drivers":
        return [words.plain_reasons[v] for v in case.drivers]
    if name == "step_reasons":
        return list(case.step_reasons)
    if name == "signposting":
        return [protect(item) for item in case.particulars.details.signposting]
    if name == "risk_answers":
        return _risk_answers(case)
    if name == "patient_contact":
        return _patient_contact(case)
    if name in ("service_can_help", "service_cannot_help"):
        return list(case.scope_can if name == "service_can_help" else case.scope_cannot)
    if name in ("local_lines", "national_lines"):
        return [_helpline(line, labels) for line in helplines(case)[name == "national_lines"]]
    return [protect(item) for item in case.screening.long_term_conditions]


def _risk_answers(case: Case) -> list[str]:
    """Each risk question asked, with the answer and the detail typed."""
    words, labels = case.common.words, case.common.labels
    items = []
    for answer in case.particulars.details.risk_answers:
        if answer.present == "not_asked" and not answer.detail:
            continue
        question, present = words.risk_questions[answer.question], words.risk_present[answer.present]
        if answer.detail:
            items.append(labels.risk_answer_detail.format(question=question, answer=present,
                                                          detail=protect(answer.detail)))  # fmt: skip
        else:
            items.append(labels.risk_answer.format(question=question, answer=present))
    return items


def _patient_contact(case: Case) -> list[str]:
    d, labels = case.particulars.details, case.common.labels
    items = []
    if d.patient_phone:
        items.append(labels.patient_phone.format(phone=protect(d.patient_phone)))
    patient = case.particulars.patient  # the one source of the address, the patient copy's too
    if patient.postal_lines:  # the whole postal address, so the team can visit or write (its postcode is in it)
        items.append(labels.patient_address.format(address=protect(", ".join(patient.postal_lines))))
    elif patient.postcode:  # an older record: the postcode alone
        items.append(labels.patient_postcode.format(postcode=patient.postcode))
    if d.interpreter_language:
        items.append(labels.interpreter.format(language=protect(d.interpreter_language)))
    return items


def _helpline(line: Helpline, labels: Labels) -> str:
    name, phone = protect(line.name), protect(line.phone)
    if line.hours:
        return labels.helpline_hours.format(name=name, phone=phone, hours=protect(line.hours))
    return labels.helpline.format(name=name, phone=phone)


def _intervention_cell(item: PreviousIntervention, words: Words) -> str:
    """What it was, then where and when when recorded: "Guided self-help (IAPT step 2, 2023)"."""
    where = [words.steps[item.step]] if item.step else []
    where += [str(item.year)] if item.year is not None else []
    return protect(item.intervention) + (f" ({', '.join(where)})" if where else "")


def _table(name: str, case: Case) -> tuple[tuple[tuple[str, ...], ...], tuple[int, ...]]:
    words, labels, ruleset, routing = case.common.words, case.common.labels, case.ruleset, case.routing
    if name == "scores":
        rows = [tuple(labels.scores_header)]
        for measure in ("phq9", "gad7"):
            score = getattr(routing.scores, measure)
            band = ruleset.score_level(measure, score)
            rows.append((
                labels.scores_rows[measure],
                labels.score_value.format(score=score, top=SCALE_MAX[measure]),
                labels.band_value.format(band=words.levels[band], range=score_range(ruleset, measure, band)),
            ))  # fmt: skip
        rows.append((labels.scores_rows["severity"], "", words.levels[routing.ratings.severity]))
        return tuple(rows), ()
    if name == "interventions":
        rows = [tuple(labels.interventions_header)]
        rows += [(_intervention_cell(i, words), words.outcomes[i.outcome])
                 for i in case.particulars.details.previous_interventions]  # fmt: skip
        return tuple(rows), ()
    header = labels.ratings_header if name == "ratings" else labels.criteria_header
    rows, strong = [tuple(header)], []
    for index, variable in enumerate(VARIABLES, start=1):
        level: Level = getattr(routing.ratings, variable)
        codes = ruleset.cell_destinations[(variable, level)]
        points_to = words.alternatives.join(words.destinations_short[code] for code in codes)
        if codes != ("iapt",):
            strong.append(index)
        label = ruleset.variable_labels[variable]
        if name == "ratings":
            rows.append((label, words.levels[level], points_to, words.yes if variable in case.drivers else ""))
        else:
            rows.append((label, words.levels[level], ruleset.variable(variable).definitions[level], points_to))
    return tuple(rows), tuple(strong)
