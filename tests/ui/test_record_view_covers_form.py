"""The record view shows every answer of the screening form (live-call issue 12): a stored screening
with a distinct, recognisable value in every leaf of ScreeningInput, opened from the main window, shows
each one in the section a reader looks for it in, both on the screen and to a screen reader. A field
the record leaves out (the kinds of MUS did) fails here by name."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtGui import QAccessible

from tests.store.conftest import referral_input
from tests.users import as_pwp
from triage.labels import labels
from triage.rules.engine import route
from triage.rules.questionnaires import questionnaire
from triage.rules.vocabulary import RATED_VARIABLES, VARIABLES
from triage.services import DecisionInput, ScreeningInput, complete_screening, create_referral
from triage.services.inputs import RiskDetails
from triage.services.record_output import PRESENT, uk_time
from triage.services.screening_form import condition_lists
from triage.store import Store
from triage.store.vocabulary import RISK_QUESTIONS

from .conftest import RULESET

MUS = condition_lists().medically_unexplained_symptoms
CONTACTED_AT = datetime(2025, 3, 3, 10, 42, tzinfo=UTC)
REASON = "Wants evening sessions; agreed with Ms Nowak at the referral meeting"
# Every leaf its own value: the questionnaires' items vary, each note, detail and row says whose it is.
ANSWERS = {
    "phq9": (1, 3, 0, 2, 1, 3, 2, 0, 1), "gad7": (3, 0, 2, 1, 3, 2, 0), "wsas": (1, 4, 6, 8, 0),
    "chronicity": "high", "complexity": "medium", "impairment": "high", "substance_use": "low", "risk": "medium",
    "rating_notes": {variable: f"Note-{variable}: since the winter of 2019 ✳" for variable in VARIABLES},
    "risk_details": {
        "thoughts": {"present": "yes", "detail": "Fleeting thoughts most evenings"},
        "intent": {"present": "no", "detail": "Says she would never act on them"},
        "plan": {"present": "not_asked", "detail": ""},
        "history": {"present": "yes", "detail": "Overdose in 2016, none since"},
        "protective_factors": "Sister & neighbour <daily visits>, two cats", "protective_level": "some",
        "contacted": "Duty senior PWP Zofia Wiśniewska", "contacted_at": CONTACTED_AT.isoformat(),
        "actions_taken": "Safety plan agreed; crisis line number given; review at next call",
    },
    "long_term_conditions": ("Asthma", "Ménière's disease"),
    "medically_unexplained_symptoms": True, "mus_kinds": (MUS[0], MUS[2]),
    "problem_descriptor": "health_anxiety",
    "previous_interventions": ({"intervention": "Guided self-help", "outcome": "unhelpful", "step": "iapt_step_2",
                                "year": 2021},
                               {"intervention": "Counselling at the surgery", "outcome": "partly_helpful",
                                "step": "outside_iapt", "year": 2023}),
    "secondary_descriptors": ("panic", "ocd"), "discuss_in_supervision": True,
    "assessment": {
        "access_needs": {"interpreter_language": "Kurdish (Sorani)", "advocate": True, "information_format": "easy_read",
                         "no_registered_gp": True, "no_fixed_address": True},
        "circumstances": {"employment_status": "employed_off_sick", "benefits": "yes", "statutory_sick_pay": "no",
                          "employment_support": "declined", "concerns": ("housing", "relationship")},
        "goals": "To walk the dog again <without panicking>",
        "choice": {"options_offered": ("pure_self_help", "cbt"), "preferred_option": "pure_self_help",
                   "modalities": ("group",), "locations": ("community_venue",), "contact_times": "After 6pm & Sundays"},
        "mus_confirmation": {"gp_confirmed": True, "confirmed_on": "2025-02-27"},
    },
}  # fmt: skip


def decided_referral(store: Store) -> tuple[str, ScreeningInput, DecisionInput]:
    screening = ScreeningInput.model_validate(ANSWERS)
    # Every field given, none left to a default, every risk detail too.
    assert screening.model_fields_set == set(ScreeningInput.model_fields)
    assert screening.risk_details.model_fields_set == set(RiskDetails.model_fields)
    recommended = route(screening.to_routing(), RULESET)
    chosen = (
        ("integrated_iapt", 3) if (recommended.route, recommended.step) != ("integrated_iapt", 3) else ("core_iapt", 2)
    )
    decision = DecisionInput(confirmed_route=chosen[0], confirmed_step=chosen[1], override_reason=REASON,
                             warnings_acknowledged=True)  # fmt: skip
    referral_id = create_referral(store, as_pwp("pwp.one"), referral_input(7)).id
    complete_screening(store, as_pwp("pwp.one"), referral_id, screening, decision, ruleset=RULESET)
    return referral_id, screening, decision


def expected_lines(screening: ScreeningInput, decision: DecisionInput) -> dict[str, tuple[str, list[str]]]:
    """Each field's values as the record says them, and the section they are in, by field name (the
    decision's under "decision"): a field added to ScreeningInput fails until it is said here."""
    names, levels, words = RULESET.variable_labels, RULESET.document.levels, labels()
    shown: dict[str, tuple[str, list[str]]] = {}
    for key in ("phq9", "gad7", "wsas"):
        form, given = questionnaire(key), getattr(screening, key)
        shown[key] = ("Screening answers", [
            f"{n}. {item}: {value}" + (f", {form.answers[value]}" if value in form.answers else "")
            for n, (item, value) in enumerate(zip(form.items, given, strict=True), 1)])  # fmt: skip
    for v in RATED_VARIABLES:
        shown[v] = ("Screening answers", [f"{names[v]}: {levels[getattr(screening, v)]}"])
    shown["rating_notes"] = (
        "Screening answers",
        [f"Note on {names[v]}: {note}" for v, note in screening.rating_notes.items()],
    )
    details = screening.risk_details
    shown["risk_details"] = ("Risk", [
        *(f"{labels().risk_questions[q]}: {PRESENT[item.present]}" + (f": {item.detail}" if item.detail else "")
          for q in RISK_QUESTIONS for item in [getattr(details, q)]),
        f"Protective factors: {details.protective_factors}", f"Who was contacted: {details.contacted}",
        f"When: {uk_time(CONTACTED_AT)}", f"What was agreed, actions taken: {details.actions_taken}",
        "Protective factors rated: Some",
    ])  # fmt: skip
    shown["secondary_descriptors"] = (
        "Screening answers",
        ["Secondary problems: Panic disorder; Obsessive-compulsive disorder"],
    )
    shown["discuss_in_supervision"] = ("Screening answers", ["Discuss in supervision: Yes"])
    shown["assessment"] = ("Screening answers", [
        "Interpreter at the screening: Kurdish (Sorani)", "Advocate needed: Yes", "Format of information: Easy read",
        "No registered GP: Yes", "No fixed address: Yes", "Employment status: Employed, off sick",
        "Receiving benefits: Yes", "Statutory sick pay: No", "Employment support: Offered, declined",
        "Debt, housing, relationship or carer concerns: Housing; Relationships",
        "Patient's goals: To walk the dog again <without panicking>",
        "Options offered: Pure self-help (e.g. books on prescription); CBT",
        "Patient's preferred option: Pure self-help (e.g. books on prescription)",
        "Preferred way of working: Group", "Preferred location: Community venue", "Contact times: After 6pm & Sundays",
    ])  # fmt: skip
    shown["long_term_conditions"] = ("Screening answers", list(screening.long_term_conditions))
    shown["medically_unexplained_symptoms"] = ("Screening answers", ["Medically unexplained symptoms: yes",
                                                                     "GP confirmed no physical illness missed: yes, on 27/02/2025"])  # fmt: skip
    shown["mus_kinds"] = ("Screening answers", list(screening.mus_kinds))
    shown["problem_descriptor"] = ("Screening answers",
                                   [f"Problem descriptor: {words.problem_descriptors[screening.problem_descriptor or '']}"])  # fmt: skip
    shown["previous_interventions"] = ("Screening answers", [
        "Guided self-help: Unhelpful; IAPT step 2, 2021",
        "Counselling at the surgery: Partly helpful; Outside IAPT (e.g. CMHT, private), 2023"])  # fmt: skip
    chosen = f"Chosen: {RULESET.route_labels[decision.confirmed_route]}, step {decision.confirmed_step}"
    shown["decision"] = ("Decision", [chosen, f"Reason: {REASON}"])
    return shown


def accessible_text(widget) -> str:  # type: ignore[no-untyped-def]
    face = QAccessible.queryAccessibleInterface(widget)
    assert face is not None and face.textInterface() is not None
    text = face.textInterface()
    return text.text(0, text.characterCount())


def test_every_answer_of_the_form_is_in_the_record_a_reader_sees_and_hears(qtbot, window, store: Store) -> None:
    referral_id, screening, decision = decided_referral(store)
    window.refresh_home()
    window.open_referral(referral_id)
    view = window.record_page
    assert view is not None and window.stack.currentWidget() is view

    expected = expected_lines(screening, decision)
    assert set(expected) == {*ScreeningInput.model_fields, "decision"}
    missing = []
    for field, (heading, lines) in expected.items():
        section = view.sections[heading]
        shown, heard = section.toPlainText(), accessible_text(section)
        assert heard == shown, heading
        missing += [f"{field} ({heading}): {line}" for line in lines if line not in shown]
    assert missing == []
    assert "Medically unexplained symptoms: yes: " + "; ".join(screening.mus_kinds) in view.plain_text()
