"""Structural: no field of the screening can be left without a widget again (live-call issue, defect
7's cause). Every leaf of the session's form and decision is bound to a widget of the page, every
bound path is a field of the form or the decision (or one of the page's few controls), and the
layout places every one of them."""

from __future__ import annotations

from PySide6.QtCore import Qt

from triage.rules.vocabulary import RATED_VARIABLES
from triage.services.route_choice import DecisionDraft
from triage.services.screening_session import SessionForm
from triage.store.vocabulary import RISK_QUESTIONS
from triage.ui import screening_layout

from .screening_keys import make_page, tick

# Fields of the form that are not a widget's: where the screener is, and the yes/no the MUS kinds imply.
NOT_SHOWN = {"section", "medically_unexplained_symptoms"}
# What the high-risk alert records, shown and re-raised from the one bound "record the action" control.
ALERT_FIELDS = {"risk_details.contacted_at"}
CONTROLS = {"ask_wsas", "add_intervention", "confirm", "decision.conflict.keep", "decision.conflict.follow",
            "previous_interventions.0.remove", "decision.step", "secondary_descriptors.prompt",
            "assessment.choice.caveat"}  # fmt: skip


from triage.services.assessment import (  # noqa: E402
    AccessNeeds,
    Assessment,
    ChoiceRecord,
    Circumstances,
    MusConfirmation,
)

assert set(Assessment.model_fields) == {"access_needs", "circumstances", "goals", "choice", "mus_confirmation"}
# each part covered below


def form_leaves(rows: int) -> set[str]:
    """Every leaf of the form a person answers, with ``rows`` previous interventions and the WSAS asked."""
    leaves = {f"phq9.{i}" for i in range(9)} | {f"gad7.{i}" for i in range(7)} | {f"wsas.{i}" for i in range(5)}
    leaves |= set(RATED_VARIABLES) | {f"rating_notes.{v}" for v in RATED_VARIABLES}
    leaves |= {f"risk_details.{q}.{part}" for q in RISK_QUESTIONS for part in ("present", "detail")}
    leaves |= {"risk_details.protective_factors", "risk_details.contacted", "risk_details.actions_taken", *ALERT_FIELDS}
    leaves |= {"long_term_conditions", "mus_kinds", "problem_descriptor"}
    leaves |= {f"previous_interventions.{i}.{part}" for i in range(rows)
               for part in ("intervention", "outcome", "step", "year")}  # fmt: skip
    # The assessment's content (issue 15, item 7): every field of each part, each list's boxes under it.
    leaves |= {"risk_details.protective_level", "discuss_in_supervision", "secondary_descriptors", "assessment.goals"}
    leaves |= {f"assessment.{part}.{name}" for part, model in (("access_needs", AccessNeeds),
               ("circumstances", Circumstances), ("choice", ChoiceRecord), ("mus_confirmation", MusConfirmation))
               for name in model.model_fields}  # fmt: skip
    assert {leaf.split(".")[0] for leaf in leaves} | NOT_SHOWN == set(SessionForm.model_fields)
    return leaves


def decision_leaves() -> set[str]:
    return {f"decision.{name}" for name in DecisionDraft.model_fields}


def test_every_leaf_of_the_form_and_the_decision_is_bound_and_nothing_else_is(qtbot):
    page = make_page(qtbot)
    tick(qtbot, page.ask_wsas)
    qtbot.keyClick(page.history.add_button, Qt.Key.Key_Space)
    bound = set(page.binder.paths())

    def covered(leaf: str) -> bool:
        return leaf in ALERT_FIELDS or any(path == leaf or path.startswith(leaf + ".") for path in bound)

    assert sorted(leaf for leaf in form_leaves(rows=1) | decision_leaves() if not covered(leaf)) == []
    leaves = form_leaves(rows=1) | decision_leaves() | CONTROLS
    stray = [p for p in bound if not any(p == leaf or p.startswith(leaf + ".") for leaf in leaves)]
    assert stray == []
    assert [p for p in bound if screening_layout.place(p) is None] == []


def test_the_tab_order_is_the_layouts_and_is_re_applied_when_a_row_is_removed(qtbot):
    page = make_page(qtbot)
    for _ in range(2):
        qtbot.keyClick(page.history.add_button, Qt.Key.Key_Space)
    qtbot.keyClick(page.interventions[0].remove, Qt.Key.Key_Space)
    assert len(page.interventions) == 1 and len(page.session.form.previous_interventions) == 1
    ordered = [w for w in page.binder.widgets() if w.focusPolicy() & Qt.FocusPolicy.TabFocus]
    chain = [ordered[0]]
    while len(chain) < len(ordered):
        nxt = chain[-1].nextInFocusChain()
        while nxt not in ordered:
            nxt = nxt.nextInFocusChain()
        chain.append(nxt)
    assert chain == ordered
