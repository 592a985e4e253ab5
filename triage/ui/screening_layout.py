"""The screening page's layout as data: its sections in the matrix's order, each the ordered field
paths it shows (docs/design.md, "Screens and state").

From this one list come the sections' titles and their Alt+N keys, the tab order (the binder
re-applies it whenever previous-intervention rows come or go), the questions a typed answer moves on
to, where Alt+N lands (the section's first unanswered field) and the words a banner uses for a field
("GAD-7 item 1 (Alt+2)"), so that what a banner names is where its key goes.

A field path names one value of the session's form or decision (``phq9.0``, ``risk``,
``risk_details.thoughts.present``, ``previous_interventions.0.outcome``, ``decision.route_choice``),
or one control with no value of its own (``ask_wsas``, ``add_intervention``, ``confirm``). The
patterns here are ``fnmatch`` patterns; a path takes the place of the first pattern it matches.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

from triage.rules.ruleset import Ruleset
from triage.rules.vocabulary import RATED_VARIABLES
from triage.services.screening_session import section_of
from triage.store.vocabulary import RISK_QUESTIONS


@dataclass(frozen=True, slots=True)
class SectionLayout:
    key: str
    title: str
    fields: tuple[str, ...]  # path patterns, in reading and tab order
    questions: tuple[str, ...] = ()  # the patterns a typed answer moves on to (notes and details are a Tab away)
    landing: str | None = None  # where Alt+N lands with nothing unanswered (None: the section's first field)


def _ratings(variables: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(path for v in variables for path in (v, f"rating_notes.{v}"))


_RISK_FIELDS = tuple(f"risk_details.{k}.{part}" for k in RISK_QUESTIONS for part in ("present", "detail"))
_SCREENER_RATED = tuple(v for v in RATED_VARIABLES if v != "risk")

LAYOUT: tuple[SectionLayout, ...] = (
    SectionLayout("details", "Referral", ("assessment.access_needs.*", "assessment.circumstances.*",
                                          "assessment.goals")),
    SectionLayout("severity", "Severity: PHQ-9 and GAD-7", ("phq9.*", "gad7.*", "ask_wsas", "wsas.*"),
                  questions=("phq9.*", "gad7.*", "wsas.*")),
    SectionLayout("ratings", "Chronicity, complexity, impairment, substance use", _ratings(_SCREENER_RATED),
                  questions=_SCREENER_RATED),
    SectionLayout("risk", "Risk", (*_RISK_FIELDS, "risk_details.protective_level", "risk_details.protective_factors",
                                   *_ratings(("risk",)), "risk_details.contacted", "risk_details.actions_taken"),
                  questions=(*(f"risk_details.{k}.present" for k in RISK_QUESTIONS), "risk_details.protective_factors",
                             "risk", "risk_details.actions_taken")),
    SectionLayout("history", "Problem and previous interventions",
                  ("problem_descriptor", "secondary_descriptors.*", "previous_interventions.*", "add_intervention"),
                  questions=("problem_descriptor",)),
    SectionLayout("conditions", "Long-term conditions and medically unexplained symptoms",
                  ("long_term_conditions.none", "long_term_conditions.*", "mus_kinds.none", "mus_kinds.*",
                   "assessment.mus_confirmation.*")),
    SectionLayout("summary", "Summary and decision",
                  ("discuss_in_supervision", "assessment.choice.*", "decision.acknowledged_warnings", "decision.conflict.*",
                   "decision.route_choice", "decision.step", "decision.outcome_criterion", "decision.override_reason",
                   "decision.return_rationale", "decision.in_meeting", "confirm"),
                  landing="decision.route_choice"),
)  # fmt: skip

SECTION_NUMBER = {section.key: number for number, section in enumerate(LAYOUT, 1)}


def section(key: str) -> SectionLayout:
    return LAYOUT[SECTION_NUMBER[key] - 1]


def place(path: str) -> tuple[int, int] | None:
    """Where a path goes: (section index, pattern index), or None for a path the layout does not show."""
    for s_index, layout in enumerate(LAYOUT):
        for f_index, pattern in enumerate(layout.fields):
            if fnmatchcase(path, pattern):
                return s_index, f_index
    return None


def is_question(path: str) -> bool:
    found = place(path)
    return found is not None and any(fnmatchcase(path, q) for q in LAYOUT[found[0]].questions)


def field_words(path: str, ruleset: Ruleset) -> str:
    """A field as a banner names it, e.g. "GAD-7 item 1", "the risk rating", "the decision"."""
    head, _, rest = path.partition(".")
    number = rest.split(".", 1)[0]
    if head in ("phq9", "gad7", "wsas") and number.isdigit():
        return f"{ {'phq9': 'PHQ-9', 'gad7': 'GAD-7', 'wsas': 'WSAS'}[head] } item {int(number) + 1}"
    if head in RATED_VARIABLES and not rest:
        return f"the {ruleset.variable(head).label.lower()} rating"
    if head == "previous_interventions" and number.isdigit():
        return f"previous intervention {int(number) + 1}"
    words = {"risk_details": "the risk questions", "problem_descriptor": "the main problem",
             "long_term_conditions": "long-term conditions", "mus_kinds": "medically unexplained symptoms",
             "decision": "the decision", "secondary_descriptors": "the other problems",
             "discuss_in_supervision": "the supervision flag", "assessment": "the assessment"}  # fmt: skip
    if path == "risk_details.contacted":
        return "the action taken for high risk"
    return words.get(head, head.replace("_", " "))


def shortcut_for(path: str) -> str:
    """The key that goes to a session field's section: Alt and the section's number."""
    return f"Alt+{SECTION_NUMBER[section_of(path)]}"
