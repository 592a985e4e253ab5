"""The screening session's form and its draft format, versioned so that every draft still opens.

``SessionForm`` has the shape of ``ScreeningInput``, field for field, with every answer allowed to be
still missing (None). Converting it is ``ScreeningInput.model_validate(form.model_dump(...))``: no
field is copied by hand, and ``_exactly`` makes a field missing on either side fail loudly, which is
how the kind of MUS could vanish before (live-call issue, defect 7).

Unanswered is never "none": an empty section 6 is ``None`` (not asked), and "none" is ``()``.

Draft formats:

- 1 (no ``format`` key): ``ScreeningForm(...).model_dump()`` of triage.services.screening_form, the
  format every draft saved so far has. Migrated on load; an empty list of conditions or MUS meant
  "not asked or none" there, so it migrates to "not asked" and the screener is asked again.
- 2: ``{"format": 2, "form": SessionForm, "decision": DecisionDraft}``.

A draft that cannot be read raises ``DraftFormatError`` and is left where it is: never dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from triage.rules.vocabulary import RATED_VARIABLES, Level, ProblemDescriptor, VariableId
from triage.services.inputs import ScreeningInput, input_problems
from triage.services.route_choice import DecisionDraft
from triage.services.screening_form import SECTIONS, InterventionRow, ScreeningForm

DRAFT_FORMAT = 2

# Fields the form has and ScreeningInput has not: where the screener was.
FORM_ONLY_FIELDS = frozenset({"section"})
# Fields the form has and ScreeningInput is about to have (the MUS-storage fix adds ``mus_kinds``).
# Until it lands they cannot be stored; computed, so that the day the field exists it is carried.
AWAITING_INPUT_FIELDS = frozenset({"mus_kinds"}) - set(ScreeningInput.model_fields)

Answer03 = Annotated[int, Field(ge=0, le=3, strict=True)] | None
Answer08 = Annotated[int, Field(ge=0, le=8, strict=True)] | None
# SECTIONS of screening_form spelled as a type (a test checks they are the same list).
Section = Literal["details", "severity", "ratings", "risk", "history", "conditions", "summary"]


class DraftFormatError(ValueError):
    """A draft this version cannot open; the draft is kept, and the message holds no patient data."""


class SessionForm(BaseModel):
    """Every answer of a screening in progress, in ScreeningInput's shape (plus ``FORM_ONLY_FIELDS``)."""

    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

    section: Section = "details"
    phq9: tuple[Answer03, ...] = Field(default=(None,) * 9, min_length=9, max_length=9)
    gad7: tuple[Answer03, ...] = Field(default=(None,) * 7, min_length=7, max_length=7)
    wsas: tuple[Answer08, ...] | None = Field(default=None, min_length=5, max_length=5)  # None: not asked
    chronicity: Level | None = None
    complexity: Level | None = None
    impairment: Level | None = None
    substance_use: Level | None = None
    risk: Level | None = None
    rating_notes: dict[VariableId, str] = Field(default_factory=dict)
    risk_details: dict[str, Any] = Field(default_factory=dict)  # checked as RiskDetails on completion
    long_term_conditions: tuple[str, ...] | None = None  # None: not asked; (): none
    medically_unexplained_symptoms: bool | None = None  # None: not asked
    mus_kinds: tuple[str, ...] | None = None  # None: not asked; (): none
    problem_descriptor: ProblemDescriptor | None = None
    previous_interventions: tuple[InterventionRow, ...] = ()
    secondary_descriptors: tuple[ProblemDescriptor, ...] = ()
    discuss_in_supervision: bool = False
    assessment: dict[str, Any] = Field(default_factory=dict)  # checked as Assessment on completion

    @model_validator(mode="after")
    def _mus_agrees(self) -> SessionForm:
        # Two fields of ScreeningInput say one thing: a kind ticked means MUS, "none" means no kinds.
        present, kinds = self.medically_unexplained_symptoms, self.mus_kinds
        if (present is None) != (kinds is None) or (present is False and kinds) or (kinds and not present):
            raise ValueError("mus_kinds: must agree with medically_unexplained_symptoms")
        return self

    def iapt_needs(self) -> list[str]:
        """What an IAPT route's core-or-integrated choice and step still wait for, in the form's order."""
        needs = ["Problem descriptor"] if self.problem_descriptor is None else []
        if self.long_term_conditions is None:
            needs.append("Long-term conditions (or none)")
        if self.mus_kinds is None:
            needs.append("Medically unexplained symptoms (or none)")
        return needs


class SessionDraft(BaseModel):
    """Draft format 2."""

    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

    format: Literal[2] = 2  # DRAFT_FORMAT
    form: SessionForm = SessionForm()
    decision: DecisionDraft = DecisionDraft()


def exactly(model: type[BaseModel], data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` if its keys are ``model``'s fields exactly. ``extra="forbid"`` catches a field too
    many; this catches one too few, which a default would otherwise hide."""
    missing = set(model.model_fields) - set(data)
    if missing:
        raise TypeError(f"{model.__name__} fields not given by the session: {', '.join(sorted(missing))}")
    return dict(data)


def screening_data(form: SessionForm) -> dict[str, Any]:
    """The form as ScreeningInput's data, every field (valid only once every answer is there)."""
    return exactly(ScreeningInput, form.model_dump(exclude=set(FORM_ONLY_FIELDS | AWAITING_INPUT_FIELDS)))


def dump_draft(form: SessionForm, decision: DecisionDraft) -> dict[str, Any]:
    """The draft's JSON payload (``save_draft``)."""
    return SessionDraft(form=form, decision=decision).model_dump(mode="json")


def load_draft(payload: Mapping[str, Any]) -> SessionDraft:
    """Any draft this or an earlier version saved, migrated to the current format."""
    version = payload.get("format", 1)
    try:
        if version == 1 and "format" not in payload:
            return migrate_v1(payload)
        if version == DRAFT_FORMAT:
            return SessionDraft.model_validate(payload)
    except ValidationError as exc:
        raise DraftFormatError("the draft cannot be read: " + "; ".join(input_problems(exc))) from None
    raise DraftFormatError("the draft was saved by a newer version of triage; it is kept, open it there")


# Every field of format 1, and where it goes: a test checks this covers ScreeningForm, so a field
# added there and not here fails the build rather than vanishing from resumed drafts.
V1_FIELDS = frozenset({"section", "phq9", "gad7", "wsas", "ratings", "rating_notes", "risk_details",
                       "long_term_conditions", "medically_unexplained_symptoms", "mus_kinds", "problem_descriptor",
                       "previous_interventions", "secondary_descriptors", "discuss_in_supervision",
                       "assessment"})  # fmt: skip


def migrate_v1(payload: Mapping[str, Any]) -> SessionDraft:
    """Format 1 (today's ScreeningForm dump) to format 2; raises ValidationError."""
    old = ScreeningForm.model_validate(dict(payload))
    conditions = tuple(c.strip() for c in old.long_term_conditions if c.strip())
    kinds = tuple(old.mus_kinds)
    mus = True if (kinds or old.medically_unexplained_symptoms) else None
    form = SessionForm.model_validate(
        {
            "section": old.section if old.section in SECTIONS else "details",
            "phq9": tuple(old.phq9),
            "gad7": tuple(old.gad7),
            "wsas": tuple(old.wsas) if old.wsas is not None else None,
            **{variable: old.ratings.get(variable) for variable in RATED_VARIABLES},
            "rating_notes": dict(old.rating_notes),
            "risk_details": dict(old.risk_details),
            "long_term_conditions": conditions or None,
            "medically_unexplained_symptoms": mus,
            "mus_kinds": kinds if mus else None,
            "problem_descriptor": old.problem_descriptor,
            "previous_interventions": tuple(old.previous_interventions),
            "secondary_descriptors": tuple(old.secondary_descriptors),
            "discuss_in_supervision": old.discuss_in_supervision,
            "assessment": dict(old.assessment),
        }
    )
    return SessionDraft(form=form)


def to_v1(form: SessionForm) -> ScreeningForm:
    """The form as format 1's model: what ``live_view`` and today's UI read."""
    return ScreeningForm(
        section=form.section,
        phq9=list(form.phq9),
        gad7=list(form.gad7),
        wsas=list(form.wsas) if form.wsas is not None else None,
        ratings={v: level for v in RATED_VARIABLES if (level := getattr(form, v)) is not None},
        rating_notes=dict(form.rating_notes),
        risk_details=dict(form.risk_details),
        long_term_conditions=list(form.long_term_conditions or ()),
        medically_unexplained_symptoms=bool(form.medically_unexplained_symptoms),
        mus_kinds=list(form.mus_kinds or ()),
        problem_descriptor=form.problem_descriptor,
        previous_interventions=list(form.previous_interventions),
        secondary_descriptors=list(form.secondary_descriptors),
        discuss_in_supervision=form.discuss_in_supervision,
        assessment=dict(form.assessment),
    )
