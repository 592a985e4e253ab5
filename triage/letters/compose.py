"""From a routing, a decision and the particulars to the content of one letter: which blocks of the
template apply, with their placeholders filled and abbreviations expanded on first use.

Pure: no reportlab, no clock, no I/O beyond the (cached) templates. The result, a LetterContent, is
what render.py lays out, and its ``paragraphs()`` are the exact text the PDF carries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from triage.letters.particulars import Decision, LetterInputError, Particulars
from triage.letters.templates import (
    IAPT_ROUTES,
    MARKER,
    Block,
    Common,
    Condition,
    KindTemplate,
    LetterKind,
    LetterTemplates,
    default_templates,
)
from triage.rules.routing import Routing
from triage.rules.ruleset import SCALE_MAX, Ruleset
from triage.rules.screening import Screening
from triage.rules.vocabulary import VARIABLES, Level, RouteCode, VariableId

Step = Literal[2, 3]

# Text the person typed must not be read as template markup ([ABBR] markers, **bold**): it is
# swapped for private-use characters while the template is processed, and restored at the end.
_PROTECT = str.maketrans({"[": "\ue000", "]": "\ue001", "*": "\ue002"})
_RESTORE = str.maketrans({"\ue000": "[", "\ue001": "]", "\ue002": "*"})
_BOLD = re.compile(r"\*\*(.+?)\*\*")


def _typed(text: str) -> str:
    return text.translate(_PROTECT)


@dataclass(frozen=True)
class Outcome:
    """What the letter reports: the confirmed route and step, beside the recommendation."""

    route: RouteCode
    step: Step | None
    recommended_route: RouteCode
    recommended_step: Step | None
    override_reason: str | None
    risk_actions: str | None

    @property
    def overridden(self) -> bool:
        return (self.route, self.step) != (self.recommended_route, self.recommended_step)

    @property
    def iapt(self) -> bool:
        return self.route in IAPT_ROUTES


def decide(routing: Routing, decision: Decision | None) -> Outcome:
    """The confirmed outcome, or LetterInputError when the decision does not fit the routing: a
    routing that needs a person's confirmation has none, a step is missing or misplaced, an
    override has no reason, or medium or high risk has no record of the actions taken."""
    decision = decision or Decision()
    problems: list[str] = []
    route = decision.confirmed_route or routing.route
    if decision.confirmed_route is None and routing.needs_confirmation:
        problems.append(
            "decision.confirmed_route: required, because this recommendation needs a person's confirmation"
            " (high risk, or more than one service outside IAPT); give the route decided on"
        )
    step = decision.confirmed_step
    if route in IAPT_ROUTES:
        if step is None and routing.route in IAPT_ROUTES:
            step = routing.step
        if step is None:
            problems.append("decision.confirmed_step: required for an IAPT route; must be 2 or 3")
    elif step is not None:
        problems.append("decision.confirmed_step: must be left out for a route outside IAPT")
    outcome = Outcome(route, step, routing.route, routing.step, decision.override_reason, decision.risk_actions)
    if outcome.overridden and not decision.override_reason:
        problems.append(
            "decision.override_reason: required when the confirmed route or step differs from the recommendation"
        )
    if routing.ratings.risk in ("medium", "high") and not decision.risk_actions:
        problems.append(
            "decision.risk_actions: required when risk is medium or high: the actions taken and the safety advice given"
        )
    if problems:
        raise LetterInputError(problems)
    return outcome


# --- the content of a letter ---------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """One piece of the letter body, in reading order. Text may hold ``**bold**`` spans."""

    kind: Literal["heading", "paragraph", "bullets", "table"]
    style: str = "body"
    text: str = ""
    items: tuple[str, ...] = ()
    table: str = ""
    rows: tuple[tuple[str, ...], ...] = ()  # the first row is the header
    strong_rows: tuple[int, ...] = ()  # body rows (1-based, as in ``rows``) printed in bold


@dataclass(frozen=True)
class LetterContent:
    kind: LetterKind
    title: str
    font_size: float
    sender: tuple[str, ...]
    recipient: tuple[str, ...]
    dated: tuple[tuple[str, str], ...]
    identity: tuple[tuple[str, str], ...]
    subject: str
    salutation: str | None
    parts: tuple[Part, ...]
    closing: str
    signature: tuple[str, ...]
    copy_to: str | None
    later_pages: str
    footer_left: str
    footer_rules: str
    page_label: str

    def paragraphs(self) -> tuple[str, ...]:
        """Every text of the letter in reading order, without markup (for audit and tests)."""
        texts: list[str] = [*self.sender, *self.recipient, *(f"{k} {v}" for k, v in self.dated)]
        texts += [f"{k} {v}" for k, v in self.identity]
        texts += [self.subject] + ([self.salutation] if self.salutation else [])
        for part in self.parts:
            if part.kind in ("heading", "paragraph"):
                texts.append(part.text)
            elif part.kind == "bullets":
                texts += part.items
            else:
                texts += [" | ".join(row) for row in part.rows]
        texts += [self.closing, *self.signature] + ([self.copy_to] if self.copy_to else [])
        return tuple(plain(text) for text in texts)


def plain(text: str) -> str:
    """A letter text as the reader sees it: no ``**`` markup, typed brackets and asterisks restored."""
    return restore(_BOLD.sub(r"\1", text))


def restore(text: str) -> str:
    return text.translate(_RESTORE)


class _Abbreviations:
    """Expands ``[ABBR]`` markers: the first use in a letter in full, later ones short. A name
    already printed as "... (CMHT)" (e.g. a destination from the ruleset) counts as a first use."""

    def __init__(self, common: Common) -> None:
        self.glossary = common.glossary
        self.pattern = common.expansion
        self.introduced: set[str] = set()
        names = "|".join(re.escape(name) for name in sorted(self.glossary, key=len, reverse=True))
        self._seen = re.compile(rf"\(({names})\)") if names else None

    def __call__(self, text: str) -> str:
        out, last = [], 0
        for match in MARKER.finditer(text):
            out.append(self._note(text[last : match.start()]))
            name = match.group(1)
            if name in self.introduced:
                out.append(name)
            else:
                self.introduced.add(name)
                out.append(self.pattern.format(expansion=self.glossary[name], abbreviation=name))
            last = match.end()
        out.append(self._note(text[last:]))
        return "".join(out)

    def _note(self, segment: str) -> str:
        if self._seen is not None:
            self.introduced.update(self._seen.findall(segment))
        return segment


@dataclass(frozen=True)
class _Case:
    """Everything a letter is made from, with the words and facts derived once."""

    kind: LetterKind
    template: KindTemplate
    common: Common
    screening: Screening
    routing: Routing
    particulars: Particulars
    outcome: Outcome
    ruleset: Ruleset
    letter_date: date
    drivers: tuple[VariableId, ...]
    step_reasons: tuple[str, ...]


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
    template = templates.kinds[kind]
    outcome = decide(routing, decision)
    _check_consistency(kind, template, screening, particulars, outcome, letter_date)
    drivers, step_reasons = _drivers(routing, outcome, ruleset)
    case = _Case(kind, template, templates.common, screening, routing, particulars, outcome, ruleset, letter_date,
                 drivers, step_reasons)  # fmt: skip
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


def _drivers(routing: Routing, outcome: Outcome, ruleset: Ruleset) -> tuple[tuple[VariableId, ...], tuple[str, ...]]:
    """The ratings that drove the confirmed outcome, and (for step 3) the step rules that held.

    Outside IAPT: the variables whose cells named the confirmed destination. For IAPT at step 3: the
    variables the matched step 3 rules test. Nothing for step 2, or when a person chose a route or
    step the matrix did not point to (the override reason then carries the decision)."""
    if not outcome.iapt:
        # Keyed by str so that the confirmed route can look itself up: outside IAPT a route's code is its destination's.
        fired: dict[str, tuple[VariableId, ...]] = {d.code: d.triggered_by for d in routing.destinations}
        return tuple(fired.get(outcome.route, ())), ()
    if outcome.step != 3 or routing.step != 3:
        return (), ()
    rules = [rule for rule in ruleset.document.steps.rules if rule.id in routing.matched.steps and rule.step == 3]
    variables: list[VariableId] = []
    for rule in rules:
        tested = list(rule.when.ratings or {})
        if rule.when.previous_unhelpful_interventions_min is not None:
            tested.append("previous_unhelpful_interventions")
        variables += [v for v in tested if v not in variables]
    ordered = tuple(v for v in VARIABLES if v in variables)
    return ordered, tuple(rule.text for rule in rules)


def _content(case: _Case) -> LetterContent:
    common, labels = case.common, case.common.labels
    values = _values(case)
    facts = _facts(case)
    expand = _Abbreviations(common)
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
        if block.when is not None and not _holds(block.when, facts, shown):
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
            gp = ", ".join([_gp_name(case), p.gp.practice_name, *p.gp.address_lines, p.gp.postcode])
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
        copy_to=fill(case.template.copy_to) if case.template.copy_to else None,
        later_pages=labels.later_pages.format_map(values),
        footer_left=footer_left,
        footer_rules=labels.footer_rules.format(
            ruleset_id=case.ruleset.id, ruleset_version=case.ruleset.version, ruleset_hash=case.ruleset.sha256[:8]
        ),
        page_label=labels.page,
    )


def _gp_name(case: _Case) -> str:
    return case.particulars.gp.name or case.common.words.gp_unnamed


def _recipient(case: _Case, values: dict[str, str]) -> tuple[str, ...]:
    p, labels = case.particulars, case.common.labels
    if case.template.recipient == "gp":
        return (_gp_name(case), p.gp.practice_name, *p.gp.address_lines, p.gp.postcode)
    if case.template.recipient == "patient":
        return (labels.private, p.patient.full_name)
    return (values["destination"],)


def _part(block: Block, case: _Case, fill: Any, expand: _Abbreviations) -> Part | None:
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


def _bullet_items(name: str, case: _Case) -> list[str]:
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
        return [_typed(item) for item in case.particulars.details.signposting]
    return [_typed(item) for item in case.screening.long_term_conditions]


def _table(name: str, case: _Case) -> tuple[tuple[tuple[str, ...], ...], tuple[int, ...]]:
    words, labels, ruleset, routing = case.common.words, case.common.labels, case.ruleset, case.routing
    if name == "scores":
        rows = [tuple(labels.scores_header)]
        for measure in ("phq9", "gad7"):
            score = getattr(routing.scores, measure)
            band = ruleset.score_level(measure, score)
            rows.append((
                labels.scores_rows[measure],
                labels.score_value.format(score=score, top=SCALE_MAX[measure]),
                labels.band_value.format(band=words.levels[band], range=_range(ruleset, measure, band)),
            ))  # fmt: skip
        rows.append((labels.scores_rows["severity"], "", words.levels[routing.ratings.severity]))
        return tuple(rows), ()
    if name == "interventions":
        rows = [tuple(labels.interventions_header)]
        rows += [(_typed(i.intervention), words.outcomes[i.outcome]) for i in case.particulars.details.previous_interventions]
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


def _range(ruleset: Ruleset, measure: str, level: Level) -> str:
    low, high = ruleset.document.severity.measures[measure][level]  # type: ignore[index]
    return f"{low}–{high}"


def _date(value: date, common: Common) -> str:
    return f"{value.day} {common.words.months[value.month - 1]} {value.year}"


def _join(items: list[str], common: Common) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + common.words.list_and + items[-1]


def _values(case: _Case) -> dict[str, str]:
    """Every placeholder's value. Text the person typed is protected from template markup."""
    common, words, labels = case.common, case.common.words, case.common.labels
    p, routing, ruleset, outcome = case.particulars, case.routing, case.ruleset, case.outcome
    phq9, gad7 = routing.scores.phq9, routing.scores.gad7
    phq9_band, gad7_band = ruleset.score_level("phq9", phq9), ruleset.score_level("gad7", gad7)
    risk = routing.ratings.risk
    service_name = p.service.name if p.service else common.default_service

    def route_with_step(route: RouteCode, step: Step | None) -> str:
        if route in IAPT_ROUTES and step is not None:
            return labels.route_with_step.format(route=words.routes[route], step_offer=words.step_offer[step])
        return words.routes[route]

    values = {
        "patient_name": _typed(p.patient.full_name),
        "given_name": _typed(p.patient.given_name),
        "family_name": _typed(p.patient.family_name),
        "date_of_birth": _date(p.patient.date_of_birth, common),
        "nhs_number": p.patient.nhs_number_display,
        "gp_name": _typed(_gp_name(case)),
        "practice_name": _typed(p.gp.practice_name),
        "service_name": _typed(service_name),
        "screener_name": _typed(p.screener.name),
        "screener_role": _typed(p.screener.role),
        "letter_date": _date(case.letter_date, common),
        "received_on": _date(p.referral.received_on, common),
        "source": words.sources[p.referral.source],
        "phq9": str(phq9),
        "gad7": str(gad7),
        "phq9_band": words.levels[phq9_band],
        "gad7_band": words.levels[gad7_band],
        "phq9_range": _range(ruleset, "phq9", phq9_band),
        "gad7_range": _range(ruleset, "gad7", gad7_band),
        "severity": words.levels[routing.ratings.severity],
        "risk": words.levels[risk],
        "risk_definition": ruleset.variable("risk").definitions[risk],
        "route_name": words.routes[outcome.route],
        "route_plain": words.routes_plain[outcome.route],
        "ruleset_title": ruleset.document.title,
        "ruleset_id": ruleset.id,
        "ruleset_version": ruleset.version,
        "interventions_count": str(case.screening.previous_unhelpful_interventions),
        "recommended_route_name": route_with_step(outcome.recommended_route, outcome.recommended_step),
        "decided_name": route_with_step(outcome.route, outcome.step),
    }
    if outcome.iapt and outcome.step is not None:
        values["step"] = str(outcome.step)
        values["step_offer"] = words.step_offer[outcome.step]
    else:
        code = outcome.route  # outside IAPT a route code is its destination's code
        values["destination"] = ruleset.destination(code).expanded  # type: ignore[arg-type]
        values["destination_short"] = words.destinations_short[code]  # type: ignore[index]
        values["destination_plain"] = words.destinations_plain[code]  # type: ignore[index]
    optional = {
        "override_reason": outcome.override_reason,
        "risk_actions": outcome.risk_actions,
        "risk_formulation": p.details.risk_formulation,
        "service_phone": p.service.phone if p.service else None,
        "referral_id": p.referral.id,
    }
    values.update({name: _typed(text) for name, text in optional.items() if text})
    if case.screening.problem_descriptor:
        values["problem"] = words.problems[case.screening.problem_descriptor]
    if case.screening.long_term_conditions:
        values["long_term_conditions"] = _join([_typed(c) for c in case.screening.long_term_conditions], common)
    others = _other_destinations(case)
    if others:
        values["other_destinations"] = _join([words.routes[code] for code in others], common)  # type: ignore[index]
    if case.screening.phq9_item9 is not None:
        values["phq9_item9"] = str(case.screening.phq9_item9)
    return values


def _other_destinations(case: _Case) -> list[str]:
    """Services outside IAPT the ratings pointed to, other than the one decided on."""
    return [d.code for d in case.routing.destinations if d.code not in ("iapt", case.outcome.route)]


def _facts(case: _Case) -> dict[str, Any]:
    p, routing, outcome, screening = case.particulars, case.routing, case.outcome, case.screening
    return {
        "route": outcome.route,
        "recommended_route": outcome.recommended_route,
        "step": outcome.step,
        "risk": routing.ratings.risk,
        "severity": routing.ratings.severity,
        "phq9_band": case.ruleset.score_level("phq9", routing.scores.phq9),
        "source": p.referral.source,
        "problem": screening.problem_descriptor,
        "phq9_item9": screening.phq9_item9,
        "iapt": outcome.iapt,
        "overridden": outcome.overridden,
        "long_term_conditions": bool(screening.long_term_conditions),
        "medically_unexplained_symptoms": screening.medically_unexplained_symptoms,
        "phq9_item9_recorded": screening.phq9_item9 is not None,
        "service_phone_given": bool(p.service and p.service.phone),
        "risk_actions_given": bool(outcome.risk_actions),
        "risk_formulation_given": bool(p.details.risk_formulation),
        "referral_id_given": bool(p.referral.id),
        "problem_given": screening.problem_descriptor is not None,
        "previous_interventions_given": bool(p.details.previous_interventions),
        "signposting_given": bool(p.details.signposting),
        "other_destinations": bool(_other_destinations(case)),
        "drivers_given": bool(case.drivers),
        "step_reasons_given": bool(case.step_reasons),
    }


_CONDITION_FIELDS = tuple(Condition.model_fields)


def _holds(condition: Condition, facts: dict[str, Any], shown: set[str]) -> bool:
    for name in _CONDITION_FIELDS:
        wanted = getattr(condition, name)
        if wanted is None:
            continue
        if name == "none_shown":
            if shown.intersection(wanted):
                return False
        elif name == "phq9_item9_min":
            item9 = facts["phq9_item9"]
            if item9 is None or item9 < wanted:
                return False
        elif isinstance(wanted, list):
            if facts[name] not in wanted:
                return False
        elif facts[name] != wanted:
            return False
    return True
