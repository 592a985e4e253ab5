"""One case as the referral meeting's projector shows it (issue 16, item 3), built from a real referral
screened and decided through the services, on both databases: the seven rows with the ruleset's full
definition of each level rated, each fired destination with why, the decision and its reason, the risk
answers and actions, the queue entry's question and reasons, and the history in lines that name nobody.
"""

from __future__ import annotations

from datetime import UTC, datetime

from tests.store.conftest import referral_input
from tests.store.test_referral_record import HIGH_RISK, PWP, REASON, decided_high_risk
from tests.store.test_screenings import ANSWERS
from triage.rules.ruleset import default_ruleset
from triage.rules.vocabulary import VARIABLES
from triage.services import DecisionInput, ScreeningInput, complete_screening, create_referral, referral_record
from triage.services.meeting_types import QUEUE_REASON_TEXT, QueueEntry
from triage.services.presenter_case import initials, presenter_case
from triage.store import Store

RULESET = default_ruleset()
QUESTION = "Crisis team or CMHT? Known to the care coordinator"
GIVEN, FAMILY = "Testgiven", "Testfamily1"  # referral_input(1)'s person


def entry(referral_id: str, reference: str) -> QueueEntry:
    return QueueEntry(
        referral_id=referral_id, reference=reference, initials="T. T.", reasons=("high_risk", "override", "sent"),
        position=2, joined_at=datetime(2025, 3, 3, 11, 0, tzinfo=UTC), waited_days=4, screened_by="pwp.one",
        sent_by="pwp.one", question=QUESTION, deferred_reason=None, information_asked=None,
    )  # fmt: skip


def every_text(case: object) -> str:
    """Every string the case holds, however deep: what any widget showing it could show."""
    if isinstance(case, str):
        return case
    if isinstance(case, tuple):
        return " ".join(every_text(part) for part in case)
    slots = getattr(type(case), "__slots__", ())
    return " ".join(every_text(getattr(case, name)) for name in slots if getattr(case, name) is not None)


def test_a_decided_high_risk_case_shows_its_rows_reasons_decision_risk_and_history(store: Store) -> None:
    ids = decided_high_risk(store)
    record = referral_record(store, PWP, ids.referral_id)
    case = presenter_case(record, RULESET, entry=entry(ids.referral_id, record.referral.reference))

    assert case.reference == record.referral.reference and case.initials == "T. T." and case.name is None
    assert [row.variable for row in case.rows] == list(VARIABLES)
    risk = case.rows[VARIABLES.index("risk")]
    assert (risk.label, risk.level, risk.level_label) == ("Risk", "high", "High")
    assert risk.definition == RULESET.variable("risk").definitions["high"]  # the FULL definition, as the ruleset has it
    assert risk.definition.startswith("Frequent thoughts of suicide/homicide") and risk.definition.endswith("present")
    assert risk.destinations == ("DaSH CRHTT", "DaSH CMHT") and risk.note == "Risk formulation: thoughts most days"
    chronicity = case.rows[VARIABLES.index("chronicity")]
    assert (
        chronicity.level == "medium" and chronicity.definition == RULESET.variable("chronicity").definitions["medium"]
    )
    assert chronicity.destinations == ("PCT IAPT Primary Care Team",) and chronicity.note is None

    fired = dict(case.fired)
    assert fired["DaSH CRHTT"] == "DaSH CRHTT is indicated by Risk high."
    assert fired["DaSH CMHT"] == "DaSH CMHT is indicated by Risk high."
    assert "PCT IAPT Primary Care Team is indicated by Severity" in fired["PCT IAPT Primary Care Team"]
    assert case.recommendation == "DaSH CRHTT"
    assert case.decided == f"DaSH CMHT (changed: {REASON})"

    assert case.risk == (
        ("Thoughts of suicide or harm to self or others", "Yes (most days)"),
        ("Intent to act on them", "No"), ("A plan", "No"),
        ("History of self-harm, suicide attempts or harm to others", "Yes (overdose 2019)"),
    )  # fmt: skip
    assert case.protective_factors == HIGH_RISK["risk_details"]["protective_factors"]
    assert case.actions.startswith("Safety plan agreed; crisis numbers given; contacted Duty senior PWP at ")
    assert case.question == QUESTION and case.screened_by == "pwp.one" and case.waited_days == 4
    assert case.reasons == tuple(QUEUE_REASON_TEXT[r] for r in ("high_risk", "override", "sent"))
    assert case.history == ("Referral received 09/01/2023 (Self-referral), closed: no decision",)
    assert GIVEN not in every_text(case) and FAMILY not in every_text(case)


def test_the_name_is_there_only_when_given(store: Store) -> None:
    ids = decided_high_risk(store)
    record = referral_record(store, PWP, ids.referral_id)
    assert presenter_case(record, RULESET).name is None
    shown = presenter_case(record, RULESET, name=f"{GIVEN} {FAMILY}")
    assert shown.name == f"{GIVEN} {FAMILY}" and FAMILY not in every_text(shown).replace(f"{GIVEN} {FAMILY}", "", 1)


def test_a_case_returned_by_the_cmht_says_so_and_a_case_outside_the_queue_has_no_question(store: Store) -> None:
    earlier = create_referral(store, PWP, referral_input(5, received_on="2024-02-01", returned_from="cmht")).id
    complete_screening(
        store,
        PWP,
        earlier,
        ScreeningInput.model_validate(ANSWERS),
        DecisionInput(confirmed_route="integrated_iapt", confirmed_step=3),
    )
    again = create_referral(store, PWP, referral_input(5, received_on="2024-06-03", returned_from="cmht")).id
    record = referral_record(store, PWP, again)
    case = presenter_case(record, RULESET)
    assert case.history == (
        "Referral received 01/02/2024 (GP), decided: Integrated IAPT (long-term conditions and medically unexplained "
        "symptoms), Step 3 (high-intensity); came back from Community mental health team (CMHT)",
        "This referral came back from Community mental health team (CMHT) (received 03/06/2024)",
        "Another referral for the person was open when this one arrived",
    )
    assert case.rows == () and case.fired == () and case.decided is None and case.risk == ()
    assert case.question is None and case.reasons == () and case.waited_days is None
    assert "Testfamily5" not in every_text(case) and "Testgiven" not in every_text(case)


def test_an_as_recommended_decision_says_so(store: Store) -> None:
    referral_id = create_referral(store, PWP, referral_input(6)).id
    complete_screening(
        store,
        PWP,
        referral_id,
        ScreeningInput.model_validate(ANSWERS),
        DecisionInput(confirmed_route="integrated_iapt", confirmed_step=3),
    )
    case = presenter_case(referral_record(store, PWP, referral_id), RULESET)
    assert case.decided is not None and case.decided.endswith("(as recommended)")
    assert case.recommendation == case.decided.removesuffix(" (as recommended)")
    assert case.rows[VARIABLES.index("previous_unhelpful_interventions")].definition == "1-2"


def test_initials_take_the_first_letter_of_each_name() -> None:
    assert (
        initials("Priya", "Shah") == "P. S." and initials(" élodie ", "o'neil") == "É. O." and initials("", "") == "?"
    )
