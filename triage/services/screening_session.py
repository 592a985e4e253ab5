"""One screening in progress, as a model with no Qt in it: the single source of truth the screening
page binds to (docs/design.md, "Screens and state").

The session holds the form (``SessionForm``), the decision draft (``DecisionDraft``) and a dirty flag.
Widgets call its typed setters and redraw from its events; everything else is derived from it: the
live view, the recommendation, the effective route, whether the choice is an override, what still
blocks confirming, and the resume point (the next field still unanswered).

The recommendation is held back only while it can still change: an IAPT route's core-or-integrated
choice and its step wait until section 6 is answered (an explicit "none" counts) and the problem
descriptor is given. A route outside IAPT, above all the crisis team for high risk, shows at once.

Events (``Event.connect``; each handler is called in the order connected, after the state changed):

- ``changed(path)``: a field changed, e.g. ``phq9.8``, ``risk``, ``decision.route_choice``
- ``recommendation_changed(recommendation or None)``
- ``route_conflict(choice)``: the recommendation moved after the person chose; ask them
- ``high_risk_drawn(None)``: risk became high with no action recorded; once per session
- ``dirty_changed(dirty)``
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Literal

from triage.events import Event
from triage.fields import has_words
from triage.rules.engine import route
from triage.rules.routing import Routing
from triage.rules.ruleset import Ruleset
from triage.rules.vocabulary import RATED_VARIABLES, Level, ProblemDescriptor, RatedVariable
from triage.services.draft_format import SessionDraft, SessionForm, dump_draft, load_draft, screening_data, to_v1
from triage.services.inputs import ConditionLists, DecisionInput, InvalidInput, ScreeningInput, condition_lists, parse
from triage.services.route_choice import (
    IAPT_ROUTES,
    Chosen,
    DecisionDraft,
    FollowsRecommendation,
    Recommendation,
    RouteKey,
    Step,
    decision_problems,
    effective_route,
    in_conflict,
    is_override,
    reason_needed,
)
from triage.services.screening_form import InterventionRow, LiveView, live_view
from triage.services.settings_lists import offered_lists
from triage.store.vocabulary import RISK_QUESTIONS

Measure = Literal["phq9", "gad7", "wsas"]
FieldPath = str  # "phq9.8", "risk", "risk_details.contacted", "previous_interventions.0", "decision"

# Each field path's section, in the form's order: the resume point walks them in this order.
MEDIUM_RISK_PROBLEM = (
    "risk_details.actions_taken: required as risk is medium: the actions taken and the safety advice given, in words"
)
_SECTION_OF_FIELD = {"phq9": "severity", "gad7": "severity", "wsas": "severity", "chronicity": "ratings",
                     "complexity": "ratings", "impairment": "ratings", "substance_use": "ratings", "risk": "risk",
                     "risk_details": "risk", "problem_descriptor": "history", "previous_interventions": "history",
                     "long_term_conditions": "conditions", "mus_kinds": "conditions", "decision": "summary",
                     "secondary_descriptors": "history", "discuss_in_supervision": "summary",
                     "assessment": "details", "assessment.choice": "summary",
                     "assessment.mus_confirmation": "conditions"}  # fmt: skip
# What confirming an IAPT route (core or integrated, step 2 or 3) needs and the screen says is missing
# (requirements.md 9 B.14), whether the route follows the recommendation or overrides it.
DESCRIPTOR_NEEDED = "not yet recorded: Problem descriptor (the main problem; an IAPT route needs one, Alt+5)"


@dataclass(frozen=True, slots=True)
class SessionInputs:
    """What ``complete_screening`` takes, from a session with nothing left to do."""

    screening: ScreeningInput
    decision: DecisionInput
    in_meeting: bool


def section_of(path: FieldPath) -> str:
    parts = path.split(".")
    return _SECTION_OF_FIELD.get(".".join(parts[:2])) or _SECTION_OF_FIELD[parts[0]]


class ScreeningSession:
    """The screening page's state and rules; see the module's docstring."""

    def __init__(
        self, ruleset: Ruleset, draft: SessionDraft | None = None, returns: Sequence[tuple[str, date]] = ()
    ) -> None:
        """``returns``: each time another service returned this person to us (its code and the date the
        returned referral was received), from the person's referrals: the ping-pong record."""
        self.ruleset = ruleset
        self.returns = tuple(returns)
        draft = draft or SessionDraft()
        self._form, self._decision, self._dirty = draft.form, draft.decision, False
        self._high_risk_drawn = False
        self._conditions = offered_lists(condition_lists(), self._form.mus_kinds)  # the shipped, until offer()
        self._recommendation = self._recommend()
        self._conflict = in_conflict(self._decision.route_choice, self._recommendation)
        self.changed: Event[FieldPath] = Event()
        self.recommendation_changed: Event[Recommendation | None] = Event()
        self.route_conflict: Event[Chosen] = Event()
        self.high_risk_drawn: Event[None] = Event()
        self.dirty_changed: Event[bool] = Event()

    @classmethod
    def from_draft(
        cls, ruleset: Ruleset, payload: Mapping[str, Any], returns: Sequence[tuple[str, date]] = ()
    ) -> ScreeningSession:
        """A session from any draft's payload (older formats migrated; DraftFormatError if unreadable)."""
        return cls(ruleset, load_draft(payload), returns)

    # --- state -----------------------------------------------------------------------------------

    @property
    def form(self) -> SessionForm:
        return self._form

    @property
    def conditions(self) -> ConditionLists:
        """The long-term conditions and kinds of MUS the form offers, and a kind ticked must be one of."""
        return self._conditions

    def offer(self, lists: ConditionLists) -> None:
        """Offer the service's lists (``settings_lists.service_condition_lists``), keeping any kind of
        MUS this screening already has that they no longer list."""
        self._conditions = offered_lists(lists, self._form.mus_kinds)

    @property
    def decision(self) -> DecisionDraft:
        return self._decision

    @property
    def dirty(self) -> bool:
        return self._dirty

    def draft(self) -> dict[str, Any]:
        """The payload to hand ``save_draft`` (with ``section=session.form.section``)."""
        return dump_draft(self._form, self._decision)

    def mark_saved(self) -> None:
        self._set_dirty(False)

    # --- the screening's setters -----------------------------------------------------------------

    def set_answer(self, measure: Measure, item: int, value: int | None) -> int | None:
        """Answer (or clear) one item; returns the answer it replaced, so the page can say so."""
        answers = getattr(self._form, measure)
        if answers is None:
            raise ValueError("wsas: ask it first (ask_wsas)")
        previous: int | None = answers[item]
        self._update(f"{measure}.{item}", **{measure: (*answers[:item], value, *answers[item + 1 :])})
        return previous

    def ask_wsas(self, asked: bool) -> None:
        if asked != (self._form.wsas is not None):
            self._update("wsas", wsas=(None,) * 5 if asked else None)

    def set_rating(self, variable: RatedVariable, level: Level | None) -> None:
        was_high = self._form.risk == "high"
        self._update(variable, **{variable: level})
        if variable == "risk" and level == "high" and not was_high:
            self._draw_high_risk()

    def set_rating_note(self, variable: RatedVariable, text: str) -> None:
        notes = {k: v for k, v in self._form.rating_notes.items() if k != variable}
        if text.strip():
            notes[variable] = text
        self._update(f"rating_notes.{variable}", rating_notes=notes)

    def update_risk_details(self, details: Mapping[str, Any]) -> None:
        """Merge answers of the risk section or the high-risk alert (``contacted``, ``contacted_at``,
        ``actions_taken``) into the risk details."""
        self._update("risk_details", risk_details={**self._form.risk_details, **details})

    def set_long_term_conditions(self, conditions: Sequence[str] | None) -> None:
        """None: not asked yet; an empty list: asked, and none."""
        cleaned = None if conditions is None else tuple(c.strip() for c in conditions if c.strip())
        self._update("long_term_conditions", long_term_conditions=cleaned)

    def set_mus_kinds(self, kinds: Sequence[str] | None) -> None:
        """None: not asked yet; an empty list: asked, and none."""
        cleaned = None if kinds is None else tuple(k.strip() for k in kinds if k.strip())
        present = None if cleaned is None else bool(cleaned)
        assessment = dict(self._form.assessment)
        if not present:  # the GP's confirmation is about MUS: with none recorded it is no answer at all
            assessment.pop("mus_confirmation", None)
        self._update("mus_kinds", medically_unexplained_symptoms=present, mus_kinds=cleaned, assessment=assessment)

    def set_mus_confirmation(self, gp_confirmed: bool, confirmed_on: str = "") -> None:
        """The GP's confirmation that no physical illness was missed, and the date as typed (only when
        confirmed: unticking forgets it); checked as ``MusConfirmation`` when the screening is completed."""
        self.update_assessment("mus_confirmation", {"gp_confirmed": gp_confirmed,
                                                    "confirmed_on": confirmed_on if gp_confirmed else ""})  # fmt: skip

    def set_problem_descriptor(self, descriptor: ProblemDescriptor | None) -> None:
        self._update("problem_descriptor", problem_descriptor=descriptor)

    def set_previous_interventions(self, rows: Sequence[InterventionRow]) -> None:
        self._update("previous_interventions", previous_interventions=tuple(rows))

    def set_secondary_descriptors(self, descriptors: Sequence[ProblemDescriptor]) -> None:
        self._update("secondary_descriptors", secondary_descriptors=tuple(dict.fromkeys(descriptors)))

    def set_discuss_in_supervision(self, discuss: bool) -> None:
        self._update("discuss_in_supervision", discuss_in_supervision=discuss)

    def update_assessment(self, part: str, changes: Mapping[str, Any]) -> None:
        """Merge answers into one part of the assessment (``access_needs``, ``circumstances``, ``choice``);
        checked as ``Assessment`` when the screening is completed."""
        assessment = dict(self._form.assessment)
        assessment[part] = {**assessment.get(part, {}), **changes}
        self._update(f"assessment.{part}", assessment=assessment)

    def set_goals(self, text: str) -> None:
        self._update("assessment.goals", assessment={**self._form.assessment, "goals": text})

    def set_section(self, section: str) -> None:
        if section != self._form.section:
            self._update("section", section=section)

    # --- the decision's setters ------------------------------------------------------------------

    def choose_route(self, route_code: str, step: Step | None = None) -> None:
        """The person's own choice (a matrix route or another outcome of the ruleset), remembered with
        the recommendation it was made against. A criterion chosen for another outcome is dropped."""
        against = self._recommendation.key if self._recommendation else None
        step = step if route_code in IAPT_ROUTES else None
        kept = self._decision.outcome_criterion if self._decision.outcome_criterion in self.criteria(route_code) else ""
        self._update_decision(route_choice=Chosen(route=route_code, step=step, against=against), outcome_criterion=kept)

    def set_return_rationale(self, text: str) -> None:
        self._update_decision(return_rationale=text)

    def return_warning(self) -> str | None:
        """The warning when the outcome in force is a service that returned this person before (issue
        15, item 6): which service, and when; None otherwise."""
        chosen = self.effective_route
        if chosen is None:
            return None
        dates = sorted(when for code, when in self.returns if code == chosen.route)
        if not dates:
            return None
        label = self.ruleset.outcome_labels.get(chosen.route, chosen.route)
        when = ", ".join(d.strftime("%d/%m/%Y") for d in dates)
        return (f"⚠ {label} has returned this person to us before (referral received {when}). Give the matrix "
                "rationale for referring them there again: it is printed in the referral-on summary.")  # fmt: skip

    def set_outcome_criterion(self, code: str) -> None:
        self._update_decision(outcome_criterion=code)

    def criteria(self, route_code: str | None) -> list[str]:
        """The criteria of an outcome, one of which must be chosen (none for a matrix route)."""
        outcome = self.ruleset.outcome(route_code) if route_code else None
        return [criterion.code for criterion in (outcome.criteria or ())] if outcome else []

    def choose_step(self, step: Step) -> None:
        """A step for the route in force (the recommended one while the choice still follows it)."""
        current = effective_route(self._decision.route_choice, self._recommendation)
        choice = self._decision.route_choice
        base = current or (choice.key if isinstance(choice, Chosen) else None)
        if base is None or base.route not in IAPT_ROUTES:
            raise ValueError("step: only an IAPT route has a step")
        self.choose_route(base.route, step)

    def follow_recommendation(self) -> None:
        self._update_decision(route_choice=FollowsRecommendation())

    def keep_choice(self) -> None:
        """Resolve a conflict by keeping the choice, now against the current recommendation."""
        choice = self._decision.route_choice
        if isinstance(choice, Chosen) and self._recommendation is not None:
            self._update_decision(route_choice=choice.model_copy(update={"against": self._recommendation.key}))

    def set_override_reason(self, text: str) -> None:
        self._update_decision(override_reason=text)

    def acknowledge_warnings(self, acknowledged: bool) -> None:
        """Ticking "reviewed" acknowledges the warnings shown now, and only those."""
        shown = self._recommendation.warnings if (acknowledged and self._recommendation) else ()
        self._update_decision(acknowledged_warnings=tuple(shown))

    def set_in_meeting(self, in_meeting: bool) -> None:
        self._update_decision(in_meeting=in_meeting)

    # --- derived ---------------------------------------------------------------------------------

    @property
    def recommendation(self) -> Recommendation | None:
        return self._recommendation

    @property
    def route_choice(self) -> FollowsRecommendation | Chosen:
        return self._decision.route_choice

    @property
    def effective_route(self) -> RouteKey | None:
        return effective_route(self._decision.route_choice, self._recommendation)

    @property
    def is_override(self) -> bool:
        return is_override(self._decision.route_choice, self._recommendation)

    @property
    def in_conflict(self) -> bool:
        return self._conflict

    @property
    def item9_raised(self) -> bool:
        """PHQ-9 item 9 (thoughts of self-harm) answered above 0: the risk questions are asked now."""
        return (self._form.phq9[8] or 0) > 0

    def risk_question_asked(self, question: str) -> bool:
        present: str = (self._form.risk_details.get(question) or {}).get("present", "not_asked")
        return present != "not_asked"

    @property
    def high_risk_action_missing(self) -> bool:
        """Risk is high and who was contacted, and when, is not recorded yet (the high-risk alert's)."""
        details = self._form.risk_details
        return self._form.risk == "high" and not (details.get("contacted") and details.get("contacted_at"))

    @property
    def risk_actions_asked(self) -> bool:
        """Medium or high risk: the actions taken and the safety advice given are part of the record
        (the letters say them; for high risk the alert fills them in first)."""
        return self._form.risk in ("medium", "high")

    def held_back(self) -> list[str]:
        """What an IAPT recommendation waits for (empty for a route outside IAPT)."""
        routing = self._full_routing()
        if routing is None or routing.route not in IAPT_ROUTES:
            return []
        return self._form.iapt_needs()

    def live(self) -> LiveView:
        """What the side panel shows: the scores and what the ratings indicate so far, the routing
        only when it is shown, and what is still missing (the held-back items included)."""
        view = live_view(to_v1(self._form), self.ruleset)
        shown = self._recommendation.routing if self._recommendation else None
        return replace(view, routing=shown, missing=view.missing + self.held_back(),
                       problems=self.screening_problems())  # fmt: skip

    def screening_problems(self) -> list[str]:
        """What stops the screening itself being recorded (missing answers, the high-risk action)."""
        # Section 6 is part of every record (None is not "none"); the descriptor only holds back IAPT.
        section6 = [need for need in self._form.iapt_needs() if need != "Problem descriptor"]
        missing = to_v1(self._form).missing() + list(dict.fromkeys(self.held_back() + section6)) + self._wsas_missing()
        if missing:
            return [f"not yet recorded: {item}" for item in missing]
        try:
            self.screening_input()
        except InvalidInput as exc:
            return exc.problems
        return self._medium_risk_problems()

    def _medium_risk_problems(self) -> list[str]:
        # Medium risk: the letters must say what was done and the safety advice given (letters/outcome.py
        # refuses them otherwise), so the screening asks for it before it is recorded, not after.
        if self._form.risk == "medium" and not has_words(self._form.risk_details.get("actions_taken")):
            return [MEDIUM_RISK_PROBLEM]
        return []

    def problems(self) -> list[str]:
        """Everything that stops confirming, the screening's first."""
        return self.screening_problems() + self._decision_problems()

    def _decision_problems(self) -> list[str]:
        chosen = self.effective_route
        problems = decision_problems(
            self._decision, self._recommendation, self.criteria(chosen.route if chosen else None)
        )
        if chosen is not None and chosen.route in IAPT_ROUTES and self._form.problem_descriptor is None:
            problems.insert(0, DESCRIPTOR_NEEDED)  # an override to IAPT too: the recommendation waits for it
        if self.return_warning() and not self._decision.return_rationale.strip():
            problems.append("Matrix rationale: required, as this service has returned the person before")
        return problems

    def unanswered(self) -> list[FieldPath]:
        """Every field still to answer, in the form's order."""
        form, paths = self._form, []
        for measure in ("phq9", "gad7", "wsas"):
            answers = getattr(form, measure) or ()
            paths += [f"{measure}.{i}" for i, value in enumerate(answers) if value is None]
        paths += [v for v in RATED_VARIABLES if v != "risk" and getattr(form, v) is None]
        # The risk questions come before the risk rating on the form. Each is asked in every screening
        # (only item 9 above 0 makes "thoughts" required, but none is left unasked by default).
        paths += [f"risk_details.{k}" for k in RISK_QUESTIONS if not self.risk_question_asked(k)]
        paths += ["risk"] if form.risk is None else []
        paths += ["risk_details.contacted"] if self.high_risk_action_missing else []
        paths += ["risk_details.actions_taken"] if self._medium_risk_problems() else []
        paths += ["problem_descriptor"] if form.problem_descriptor is None else []
        paths += [f"previous_interventions.{i}" for i, row in enumerate(form.previous_interventions)
                  if not row.intervention.strip() or row.outcome is None]  # fmt: skip
        paths += [name for name in ("long_term_conditions", "mus_kinds") if getattr(form, name) is None]
        if self._decision_problems():
            paths.append("decision")
        return paths

    def resume_point(self, section: str | None = None) -> FieldPath | None:
        """The next unanswered field (within ``section`` if given), or None when there is none."""
        return next((path for path in self.unanswered() if section in (None, section_of(path))), None)

    def screening_input(self) -> ScreeningInput:
        """The screening, validated: ``model_validate`` of the form's dump; raises InvalidInput."""
        return parse(
            ScreeningInput,
            screening_data(self._form),
            context={"mus_kinds": self._conditions.medically_unexplained_symptoms},
        )

    def to_inputs(self) -> SessionInputs:
        """The service inputs; raises InvalidInput listing everything that is not done yet."""
        problems = self.problems()
        chosen, recommendation = self.effective_route, self._recommendation
        if problems or chosen is None or recommendation is None:  # an effective route needs a recommendation
            raise InvalidInput(problems or ["Route: nothing to confirm yet"])
        needed = reason_needed(recommendation.routing, chosen.route, chosen.step)
        reason = self._decision.override_reason.strip() if needed else None
        # No problems left means any warnings were acknowledged; with none, nothing was.
        acknowledged = bool(recommendation.warnings)
        criterion = self._decision.outcome_criterion if self.criteria(chosen.route) else None
        rationale = self._decision.return_rationale.strip() if self.return_warning() else None
        decision = parse(DecisionInput, {"confirmed_route": chosen.route, "confirmed_step": chosen.step,
                                         "outcome_criterion": criterion, "override_reason": reason,
                                         "return_rationale": rationale,
                                         "warnings_acknowledged": acknowledged})  # fmt: skip
        return SessionInputs(self.screening_input(), decision, self._decision.in_meeting)

    # --- internals -------------------------------------------------------------------------------

    def _full_routing(self) -> Routing | None:
        view_form = to_v1(self._form)
        return None if view_form.missing() else route(view_form.to_routing(), self.ruleset)

    def _recommend(self) -> Recommendation | None:
        routing = self._full_routing()
        if routing is None or (routing.route in IAPT_ROUTES and self._form.iapt_needs()):
            return None
        return Recommendation(routing)

    def _wsas_missing(self) -> list[str]:
        wsas = self._form.wsas
        items = [str(n) for n, value in enumerate(wsas or (), 1) if value is None]
        return [f"WSAS items {', '.join(items)} (or do not ask it)"] if items else []

    def _update(self, path: FieldPath, **changes: Any) -> None:
        form = SessionForm.model_validate({**self._form.model_dump(), **changes})
        if form != self._form:
            self._form = form
            self._after_change(path)

    def _update_decision(self, **changes: Any) -> None:
        decision = DecisionDraft.model_validate({**self._decision.model_dump(), **changes})
        if decision != self._decision:
            self._decision = decision
            self._after_change("decision." + next(iter(changes)))

    def _after_change(self, path: FieldPath) -> None:
        # Everything derived is brought up to date first: a handler of ``changed`` reads it.
        if path != "section":  # where the screener is is not an answer: moving about saves no draft
            self._set_dirty(True)
        before, self._recommendation = self._recommendation, self._recommend()
        was_in_conflict = self._conflict
        self._conflict = in_conflict(self._decision.route_choice, self._recommendation)
        self.changed.emit(path)
        if _key(before) != _key(self._recommendation):
            self.recommendation_changed.emit(self._recommendation)
        choice = self._decision.route_choice
        if self._conflict and not was_in_conflict and isinstance(choice, Chosen):
            self.route_conflict.emit(choice)

    def draw_pending_alert(self) -> None:
        """After connecting to a resumed session: the high-risk alert if risk is high and no action
        is recorded yet (a crash while the alert was open must not leave it undrawn)."""
        if self._form.risk == "high":
            self._draw_high_risk()

    def _draw_high_risk(self) -> None:
        if not self._high_risk_drawn and not self._form.risk_details.get("contacted"):
            self._high_risk_drawn = True
            self.high_risk_drawn.emit(None)

    def _set_dirty(self, dirty: bool) -> None:
        if dirty != self._dirty:
            self._dirty = dirty
            self.dirty_changed.emit(dirty)


def _key(recommendation: Recommendation | None) -> tuple[Any, ...] | None:
    # Warnings count: a new warning must be seen (and acknowledged) even if the route stayed.
    return None if recommendation is None else (recommendation.key, recommendation.warnings)
