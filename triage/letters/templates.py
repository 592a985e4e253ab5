"""The letter templates: which paragraphs appear under which conditions, and their wording, as data.

``resources/letters/common.yaml`` holds the glossary, the words and the labels every letter shares;
``gp.yaml``, ``patient.yaml`` and ``referral-on.yaml`` hold one letter kind each: its frame
(subject, salutation, closing) and its blocks in order, each with an optional ``when`` condition.
Everything is validated at load, so a typo fails there and never in front of a screener:
unknown keys, unknown placeholders, a placeholder used where its value may be missing (e.g.
``{override_reason}`` in a block not limited to ``overridden: true``), an abbreviation marker
``[XYZ]`` missing from the glossary, and ``none_shown`` naming a block that does not come before it.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field, StringConstraints, ValidationError, model_validator

from triage.letters.particulars import (
    INTERVENTION_OUTCOMES,
    INTERVENTION_STEPS,
    REFERRAL_SOURCES,
    InterventionOutcome,
    InterventionStep,
    ReferralSource,
)
from triage.resources import resource_path
from triage.rules.datafile import DataFileError, StrictModel, UnusableDataFile, loc_to_path, read_yaml
from triage.rules.vocabulary import (
    DESTINATIONS,
    LEVELS,
    PROBLEM_DESCRIPTORS,
    ROUTES,
    VARIABLES,
    DestinationCode,
    Level,
    ProblemDescriptor,
    RouteCode,
    VariableId,
)

if TYPE_CHECKING:
    from triage.letters.outcome_templates import OutcomeTemplates

LetterKind = Literal["gp", "patient", "referral-on"]
KINDS: tuple[LetterKind, ...] = ("gp", "patient", "referral-on")
IAPT_ROUTES: frozenset[str] = frozenset({"core_iapt", "integrated_iapt"})

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
# Words that join two others (" or ", " and "): their spaces are part of them, so never stripped
# (stripped, "CRHTT or CMHT" printed as one unbreakable "CRHTTorCMHT", split mid-word in a cell).
Joiner = Annotated[str, StringConstraints(min_length=1)]
BulletList = Literal[
    "criteria",
    "step_reasons",
    "plain_drivers",
    "signposting",
    "long_term_conditions",
    "risk_answers",
    "patient_contact",
    "local_lines",
    "national_lines",
    "service_can_help",  # outcomes/scope.yaml: what the service treats, in an outcome letter
    "service_cannot_help",
]
TableName = Literal["scores", "ratings", "criteria", "interventions"]
Style = Literal["body", "box", "alert", "small"]

# An abbreviation written for first-use expansion: [CMHT], [PHQ-9].
ABBREVIATION = r"[A-Za-z][A-Za-z0-9&-]*"
MARKER = re.compile(rf"\[({ABBREVIATION})\]")


class LetterTemplateError(UnusableDataFile):
    """Letter templates that must not be used; ``problems`` lists every reason found."""


class Condition(StrictModel):
    """All the given facts must hold. A list means "one of"; ``none_shown`` means none of the named
    earlier blocks of the same letter appeared (for an "otherwise" paragraph)."""

    route: list[RouteCode] | None = None
    recommended_route: list[RouteCode] | None = None
    step: list[Literal[2, 3]] | None = None
    risk: list[Level] | None = None
    severity: list[Level] | None = None
    phq9_band: list[Level] | None = None
    source: list[ReferralSource] | None = None
    problem: list[ProblemDescriptor] | None = None
    phq9_item9_min: Annotated[int, Field(ge=0, le=3)] | None = None
    phq9_min: Annotated[int, Field(ge=0, le=27)] | None = None
    iapt: bool | None = None
    overridden: bool | None = None
    long_term_conditions: bool | None = None
    several_long_term_conditions: bool | None = None
    medically_unexplained_symptoms: bool | None = None
    mus_confirmed: bool | None = None  # the GP has confirmed no physical illness was missed
    mus_confirmed_on_given: bool | None = None  # and when
    phq9_item9_recorded: bool | None = None
    service_phone_given: bool | None = None
    risk_actions_given: bool | None = None
    risk_formulation_given: bool | None = None
    referral_id_given: bool | None = None
    problem_given: bool | None = None
    previous_interventions_given: bool | None = None
    signposting_given: bool | None = None
    other_destinations: bool | None = None
    drivers_given: bool | None = None
    step_reasons_given: bool | None = None
    choice_reason_given: bool | None = None
    return_rationale_given: bool | None = None  # routed back to a service that returned the person before
    risk_answers_given: bool | None = None
    protective_factors_given: bool | None = None
    agreed_given: bool | None = None
    patient_contact_given: bool | None = None
    local_lines_given: bool | None = None
    patient_copy_sent: bool | None = None
    gp_letter_sent: bool | None = None
    referral_on_sent: bool | None = None
    in_meeting: bool | None = None
    none_shown: list[Text] | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> Condition:
        if not self.model_dump(exclude_none=True):
            raise ValueError("a condition needs at least one fact to test")
        return self


class Block(StrictModel):
    id: Text | None = None
    when: Condition | None = None
    style: Style = "body"
    heading: Text | None = None
    paragraph: Text | None = None
    bullets: BulletList | None = None
    table: TableName | None = None
    source: Text | None = None  # where the wording or the rule comes from, for review

    @model_validator(mode="after")
    def _one_content(self) -> Block:
        given = [name for name in ("heading", "paragraph", "bullets", "table") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("a block has exactly one of heading, paragraph, bullets or table")
        return self

    @property
    def text(self) -> str | None:
        return self.heading or self.paragraph


class KindTemplate(StrictModel):
    title: Text
    subject: Text
    recipient: Literal["gp", "patient", "destination"]
    # The routes this kind of letter is for (default: all); a referral-on summary is only for routes
    # outside IAPT, and then the destination placeholders always have a value.
    routes: list[RouteCode] | None = None
    font_size: Annotated[float, Field(ge=10, le=14, strict=False)]
    salutation: Text | None = None
    salutation_unnamed: Text | None = None  # when the GP is not named (the practice lists no GP)
    closing: Text
    signature: list[Text]
    copy_to: Text | None = None
    copy_to_when: Condition | None = None  # the copy line's condition, as a block's (default: always)
    blocks: Annotated[list[Block], Field(min_length=1)]


class Words(StrictModel):
    months: Annotated[list[Text], Field(min_length=12, max_length=12)]
    levels: dict[Level, Text]
    sources: dict[ReferralSource, Text]
    outcomes: dict[InterventionOutcome, Text]
    steps: dict[InterventionStep, Text]  # where a previous intervention was had (the stepping history)
    problems: dict[ProblemDescriptor, Text]
    routes: dict[RouteCode, Text]
    routes_plain: dict[RouteCode, Text]
    destinations_short: dict[DestinationCode, Text]
    destinations_plain: dict[DestinationCode, Text]
    step_offer: dict[Literal[2, 3], Text]
    plain_reasons: dict[VariableId, Text]
    alternatives: Joiner  # joins a cell's alternatives: "CRHTT or CMHT"
    list_and: Joiner
    yes: Text
    none: Text
    gp_unnamed: Text  # the GP in the address when the practice names none
    # The risk questions as the screening page asks them (resources/labels.yaml, repeated so that the
    # letters do not import the store's vocabulary; tests/letters checks the two stay equal).
    risk_questions: dict[Literal["thoughts", "intent", "plan", "history"], Text]
    risk_present: dict[Literal["yes", "no", "not_asked"], Text]  # a risk question's answer
    # How a letter is signed, by the signer's role (the roles that may print letters).
    signer_roles: dict[Literal["pwp", "team_leader"], Text]


class Labels(StrictModel):
    to: Text
    from_: Text = Field(alias="from")
    date: Text
    our_ref: Text
    identity: dict[Literal["name", "date_of_birth", "nhs_number", "gp", "referral"], Text]
    referral_line: Text
    later_pages: Text
    footer_left: Text
    footer_rules: Text
    page: Text
    scores_header: Annotated[list[Text], Field(min_length=3, max_length=3)]
    scores_rows: dict[Literal["phq9", "gad7", "severity"], Text]
    score_value: Text
    ratings_header: Annotated[list[Text], Field(min_length=4, max_length=4)]
    criteria_header: Annotated[list[Text], Field(min_length=4, max_length=4)]
    interventions_header: Annotated[list[Text], Field(min_length=2, max_length=2)]
    criterion: Text
    band_value: Text
    route_with_step: Text
    private: Text
    no_postal_address: Text  # in the patient copy's address when there is none: it cannot be posted
    telephone: Text
    footer_ref: Text
    risk_answer: Text
    risk_answer_detail: Text
    helpline: Text
    helpline_hours: Text
    patient_phone: Text
    patient_postcode: Text
    patient_address: Text
    interpreter: Text


class Common(StrictModel):
    schema_: Literal[1] = Field(alias="schema")
    glossary: dict[Annotated[str, StringConstraints(pattern=f"^{ABBREVIATION}$")], Text]
    expansion: Text
    default_service: Text
    words: Words
    labels: Labels


# --- placeholders -------------------------------------------------------------------------------

# Always available in block text.
ALWAYS: frozenset[str] = frozenset(
    {
        "patient_name", "given_name", "family_name", "date_of_birth", "nhs_number",
        "gp_name", "practice_name", "service_name", "screener_name", "screener_role",
        "letter_date", "received_on", "source",
        "phq9", "gad7", "phq9_band", "gad7_band", "phq9_range", "gad7_range", "severity",
        "risk", "risk_definition", "route_name", "route_plain",
        "ruleset_title", "ruleset_id", "ruleset_version", "interventions_count",
    }
)  # fmt: skip


def _requires(**facts: Any) -> Callable[[Condition | None], bool]:
    def guarded(when: Condition | None) -> bool:
        return when is not None and all(getattr(when, name) == value for name, value in facts.items())

    return guarded


def _iapt_only(when: Condition | None) -> bool:
    return when is not None and (
        when.iapt is True or (when.route is not None and set(when.route) <= IAPT_ROUTES) or when.step is not None
    )


def _referred_on_only(when: Condition | None) -> bool:
    return when is not None and (when.iapt is False or (when.route is not None and not set(when.route) & IAPT_ROUTES))


def _item9_only(when: Condition | None) -> bool:
    return when is not None and (when.phq9_item9_recorded is True or when.phq9_item9_min is not None)


# Placeholders whose value exists only sometimes, and the condition a block must carry to use them.
GUARDED: dict[str, tuple[Callable[[Condition | None], bool], str]] = {
    "step": (_iapt_only, "iapt: true (or an IAPT route or a step)"),
    "step_offer": (_iapt_only, "iapt: true (or an IAPT route or a step)"),
    "destination": (_referred_on_only, "iapt: false (or only routes outside IAPT)"),
    "destination_short": (_referred_on_only, "iapt: false (or only routes outside IAPT)"),
    "destination_plain": (_referred_on_only, "iapt: false (or only routes outside IAPT)"),
    "recommended_route_name": (_requires(overridden=True), "overridden: true"),
    "override_reason": (_requires(overridden=True), "overridden: true"),
    "decided_name": (_requires(overridden=True), "overridden: true"),
    "choice_reason": (_requires(choice_reason_given=True), "choice_reason_given: true"),
    "return_rationale": (_requires(return_rationale_given=True), "return_rationale_given: true"),
    "service_phone": (_requires(service_phone_given=True), "service_phone_given: true"),
    "risk_actions": (_requires(risk_actions_given=True), "risk_actions_given: true"),
    "risk_formulation": (_requires(risk_formulation_given=True), "risk_formulation_given: true"),
    "protective_factors": (_requires(protective_factors_given=True), "protective_factors_given: true"),
    "referral_id": (_requires(referral_id_given=True), "referral_id_given: true"),
    "problem": (_requires(problem_given=True), "problem_given: true"),
    "mus_confirmed_on": (_requires(mus_confirmed_on_given=True), "mus_confirmed_on_given: true"),
    "long_term_conditions": (_requires(long_term_conditions=True), "long_term_conditions: true"),
    "other_destinations": (_requires(other_destinations=True), "other_destinations: true"),
    "phq9_item9": (_item9_only, "phq9_item9_recorded: true or phq9_item9_min"),
}

# Placeholders each label may use.
LABEL_FIELDS: dict[str, set[str]] = {
    "referral_line": {"received_on", "source"},
    "later_pages": {"patient_name", "date_of_birth", "nhs_number"},
    "footer_left": {"service_name"},
    "footer_ref": {"referral_id"},
    "band_value": {"band", "range"},
    "route_with_step": {"route", "step_offer"},
    "private": set(),
    "no_postal_address": set(),
    "telephone": {"service_phone"},
    "footer_rules": {"ruleset_id", "ruleset_version", "ruleset_hash"},
    "page": {"page", "pages"},
    "score_value": {"score", "top"},
    "criterion": {"variable", "level", "definition"},
    "risk_answer": {"question", "answer"},
    "risk_answer_detail": {"question", "answer", "detail"},
    "helpline": {"name", "phone"},
    "helpline_hours": {"name", "phone", "hours"},
    "patient_phone": {"phone"},
    "patient_postcode": {"postcode"},
    "patient_address": {"address"},
    "interpreter": {"language"},
}
FRAME_FIELDS: frozenset[str] = ALWAYS | {"destination", "destination_short"}


@dataclass(frozen=True)
class LetterTemplates:
    common: Common
    kinds: dict[LetterKind, KindTemplate]
    origin: str
    # The GP letters for outcomes other than a matrix route (outcome_templates.py), by letter name.
    outcomes: OutcomeTemplates | None = None


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def load_templates(folder: Path | str | None = None) -> LetterTemplates:
    """Load and check the letter templates in ``folder`` (default: the shipped ``resources/letters``)."""
    folder = Path(folder) if folder is not None else resource_path("letters")
    problems: list[str] = []
    common = _load(folder / "common.yaml", Common, problems)
    kinds: dict[LetterKind, KindTemplate] = {}
    for kind in KINDS:
        template = _load(folder / f"{kind}.yaml", KindTemplate, problems)
        if template is not None:
            kinds[kind] = template
    outcomes = None
    if common is not None:
        from triage.letters.outcome_templates import load_outcome_templates  # it builds on this module

        problems += _check_common(common)
        for kind, template in kinds.items():
            problems += [f"{kind}.yaml: {p}" for p in _check_kind(template, common)]
        outcomes = load_outcome_templates(folder / "outcomes", common, problems)
    if problems:
        raise LetterTemplateError(str(folder), problems)
    assert common is not None
    return LetterTemplates(common=common, kinds=kinds, origin=str(folder), outcomes=outcomes)


@lru_cache(maxsize=1)
def default_templates() -> LetterTemplates:
    return load_templates()


def _load(path: Path, model: type[Any], problems: list[str]) -> Any:
    try:
        raw = read_yaml(path)
    except DataFileError as exc:
        problems.append(str(exc))
        return None
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        for error in exc.errors(include_input=False, include_url=False):
            loc = tuple("schema" if part == "schema_" else part for part in error["loc"])
            message = "unknown key" if error["type"] == "extra_forbidden" else error["msg"]
            problems.append(f"{path.name}: {loc_to_path(loc)}: {message}")
        return None


def _check_common(common: Common) -> list[str]:
    problems = []
    words = common.words
    complete: dict[str, tuple[dict[Any, str], tuple[Any, ...]]] = {
        "levels": (words.levels, LEVELS),
        "sources": (words.sources, REFERRAL_SOURCES),
        "outcomes": (words.outcomes, INTERVENTION_OUTCOMES),
        "steps": (words.steps, INTERVENTION_STEPS),
        "problems": (words.problems, PROBLEM_DESCRIPTORS),
        "routes": (words.routes, ROUTES),
        "routes_plain": (words.routes_plain, ROUTES),
        "destinations_short": (words.destinations_short, DESTINATIONS),
        "destinations_plain": (words.destinations_plain, DESTINATIONS),
        "step_offer": (words.step_offer, (2, 3)),
        "plain_reasons": (words.plain_reasons, VARIABLES),
        "risk_questions": (words.risk_questions, ("thoughts", "intent", "plan", "history")),
        "risk_present": (words.risk_present, ("yes", "no", "not_asked")),
    }
    for name, (given, wanted) in complete.items():
        missing = [str(key) for key in wanted if key not in given]
        if missing:
            problems.append(f"common.yaml: words.{name}: no wording for {', '.join(missing)}")
    for name, allowed in LABEL_FIELDS.items():
        text = getattr(common.labels, name)
        problems += _unknown(f"common.yaml: labels.{name}", text, allowed)
    problems += _unknown("common.yaml: expansion", common.expansion, {"expansion", "abbreviation"})
    texts = [
        t
        for group in (words.routes, words.routes_plain, words.destinations_short, words.step_offer)
        for t in group.values()
    ]
    for text in texts:
        problems += _markers("common.yaml: words", text, common)
        problems += _unknown("common.yaml: words", text, set())
    return problems


def _check_kind(template: KindTemplate, common: Common, extra: frozenset[str] = frozenset()) -> list[str]:
    """``extra``: placeholders this template may use besides the usual ones (an outcome letter's)."""
    problems: list[str] = []
    frame = [template.title, template.subject, template.salutation, template.salutation_unnamed, template.closing,
             template.copy_to, *template.signature]  # fmt: skip
    for text in filter(None, frame):
        problems += _unknown("frame", text, FRAME_FIELDS | extra)
        problems += _markers("frame", text, common)
    seen: set[str] = set()
    referred_on_only = template.routes is not None and not set(template.routes) & IAPT_ROUTES
    always = ALWAYS | extra | ({"destination", "destination_short", "destination_plain"} if referred_on_only else set())
    for index, block in enumerate(template.blocks):
        where = f"blocks[{index}]" + (f" ({block.id})" if block.id else "")
        if block.id is not None:
            if block.id in seen:
                problems.append(f"{where}: the id {block.id} is used twice")
            seen.add(block.id)
        if block.when is not None and block.when.none_shown:
            for name in block.when.none_shown:
                if name not in seen or name == block.id:
                    problems.append(f"{where}: none_shown names {name}, which is not a block before this one")
        if block.text is None:
            continue
        text = block.text
        problems += _markers(where, text, common)
        for name in sorted(placeholders(text)):
            if name in always:
                continue
            if name in GUARDED:
                guard, needs = GUARDED[name]
                if not guard(block.when):
                    problems.append(f"{where}: {{{name}}} may have no value here; limit the block with {needs}")
            else:
                problems.append(f"{where}: unknown placeholder {{{name}}}")
    return problems


def _unknown(where: str, text: str, allowed: set[str] | frozenset[str]) -> list[str]:
    try:
        used = placeholders(text)
    except ValueError as exc:
        return [f"{where}: {exc}"]
    return [f"{where}: unknown placeholder {{{name}}}" for name in sorted(used - set(allowed))]


def _markers(where: str, text: str, common: Common) -> list[str]:
    return [
        f"{where}: the abbreviation [{name}] is not in the glossary"
        for name in MARKER.findall(text)
        if name not in common.glossary
    ]
