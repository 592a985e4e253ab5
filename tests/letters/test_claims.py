"""Issue 14: every conditional sentence of the letters, both ways, in the golden text; the risk detail
the summary and the GP letter carry; the local crisis numbers before the national ones; the NICE
NG222 medication note at its own cut-off (PHQ-9 16), not at the matrix's PHQ-9 band."""

from __future__ import annotations

import copy

import pytest
import yaml

from tests.letters.cases import CASES, GOLDEN, HIGH_RISK_DETAILS, build, kinds_for, normalised
from triage.letters.templates import default_templates
from triage.resources import resource_path
from triage.settings import NATIONAL_CONTACTS

# (letter kind, a conditional sentence): each must be in at least one golden letter of that kind, and
# missing from at least one other, so that the goldens hold it both ways.
CONDITIONAL: list[tuple[str, str]] = [
    ("gp", "has been sent a copy of this outcome in plain language."),
    ("patient", "We have sent the same information to your GP."),
    ("referral-on", "has been sent the outcome."),
    ("patient", "Our team talked about your situation together and agreed that this is the best service for you."),
    ("patient", "we talked about your safety and agreed what to do if things get worse."),
    ("referral-on", "Actions taken and what was agreed:"),
    ("patient", "Our local services:"),
    ("gp", "guideline NG222 (Depression in adults, 2022) treats a PHQ-9 score of 16 or more as more severe"),
    ("gp", "was asked about risk, and answered:"),
    ("gp", "Protective factors:"),
    ("referral-on", "The risk questions asked at the screening, and the answers:"),
    ("referral-on", "Protective factors:"),
    ("referral-on", "Risk formulation:"),
    ("referral-on", "As the referral records them:"),
    ("referral-on", "Needs an interpreter:"),
    ("gp", "Please confirm that no new physical illness has been missed before psychological treatment"),
    ("gp", "Thank you for confirming, on 27 February 2025, that no new physical illness has been missed"),
    ("referral-on", "CBT (IAPT step 3, 2024)"),
]
# Promises the product cannot keep, and the matrix's generic wording where the GP asked for the answers.
NEVER = ["We will write to you again when treatment ends", "moderate to severe (but not mild) depression"]


def goldens(kind: str) -> dict[str, str]:
    return {path.name: normalised(path.read_text(encoding="utf-8")) for path in GOLDEN.glob(f"*.{kind}.txt")}


@pytest.mark.parametrize(("kind", "sentence"), CONDITIONAL, ids=[f"{k}:{s[:30]}" for k, s in CONDITIONAL])
def test_the_goldens_hold_each_conditional_sentence_both_ways(kind: str, sentence: str) -> None:
    texts = goldens(kind)
    assert any(sentence in t for t in texts.values()), f"no golden {kind} letter says it"
    assert not all(sentence in t for t in texts.values()), f"every golden {kind} letter says it"


@pytest.mark.parametrize("kind", ["gp", "patient", "referral-on"])
def test_no_golden_letter_promises_what_the_product_cannot_do(kind: str) -> None:
    for name, text in goldens(kind).items():
        for words in NEVER:
            assert words not in text, (name, words)


def text_of(data: dict, kind: str) -> str:
    return " ".join(build(data, kind).paragraphs)


@pytest.mark.parametrize(
    ("kind", "fact", "sentence"),
    [
        ("gp", "patient_copy_sent", "Alex has been sent a copy of this outcome in plain language."),
        ("gp", "patient_copy_sent", "Copy: Alex Example"),  # the copy line: only when a copy went
        ("patient", "gp_letter_sent", "We have sent the same information to your GP."),
        ("referral-on", "gp_letter_sent", "Alex Example's GP, Dr R Okafor, has been sent the outcome."),
        ("patient", "agreed", "we talked about your safety and agreed what to do if things get worse."),
        ("referral-on", "agreed", "Actions taken and what was agreed:"),
        ("gp", "referral_on_sent", "We have sent the CRHTT a referral summary"),
    ],
)
def test_a_claim_follows_its_fact_both_ways(kind: str, fact: str, sentence: str) -> None:
    data = copy.deepcopy(CASES["crisis-high-risk"])
    data["details"][fact] = True
    assert sentence in text_of(data, kind)
    data["details"][fact] = False
    assert sentence not in text_of(data, kind)


ASK_MUS = "Please confirm that no new physical illness has been missed before psychological treatment"
THANK_MUS = "that no new physical illness has been missed: psychological treatment for the medically"


@pytest.mark.parametrize(
    ("confirmed", "on", "said"),
    [(False, None, ASK_MUS), (True, "2025-02-27", f"Thank you for confirming, on 27 February 2025, {THANK_MUS}"),
     (True, None, f"Thank you for confirming {THANK_MUS}")],
    ids=["not-yet", "confirmed-with-its-date", "confirmed-undated"],
)  # fmt: skip
def test_the_gp_is_asked_for_the_mus_confirmation_only_while_it_is_not_given(
    confirmed: bool, on: str | None, said: str
) -> None:
    """Issue 15, item 7: for MUS, the GP letter asks whether a physical illness was missed until the
    screening records the GP's confirmation; then it thanks the GP instead, never both (003:197-205)."""
    data = copy.deepcopy(CASES["integrated-mus-step3"])
    data["details"].update({"mus_gp_confirmed": confirmed, **({"mus_confirmed_on": on} if on else {})})
    text = text_of(data, "gp")
    assert said in text
    assert (ASK_MUS in text) is not confirmed and ("Thank you for confirming" in text) is confirmed
    data["medically_unexplained_symptoms"] = False  # no MUS: neither, whatever is recorded
    data["long_term_conditions"] = ["asthma"]
    text = text_of(data, "gp")
    assert ASK_MUS not in text and "Thank you for confirming" not in text


@pytest.mark.parametrize(
    ("case", "kind", "sent", "unsent"),
    [
        ("crisis-high-risk", "gp", "We have sent the CRHTT a referral summary with the ratings, the matrix "
         "criteria that applied, the risk information and the actions taken", "We are referring Alex to the CRHTT"),
        ("substance-misuse", "gp", "We have sent the substance misuse service a referral summary with the ratings, "
         "the matrix criteria that applied and the risk information,", "We are referring Alex to the substance misuse"),
        ("cmht-complexity-impairment", "patient", "We have sent them your details, and they will contact you.",
         "We are passing your details to them, and they will contact you."),
    ],
)  # fmt: skip
def test_the_referral_summary_is_said_to_be_sent_only_once_it_was(case: str, kind: str, sent: str, unsent: str) -> None:
    """Issue 14 item 3: "we have sent" the receiving team a summary only once it was printed or saved for
    this decision, and "the actions taken" only when actions were recorded; otherwise the letter says
    the referral is being made."""
    data = copy.deepcopy(CASES[case])
    data.setdefault("details", {})["referral_on_sent"] = True
    text = text_of(data, kind)
    assert sent in text and unsent not in text
    data["details"]["referral_on_sent"] = False
    text = text_of(data, kind)
    assert unsent in text and sent not in text


def test_the_team_talked_about_it_only_for_a_decision_taken_in_the_meeting() -> None:
    data = copy.deepcopy(CASES["override-step2-to-step3"])
    sentence = "Our team talked about your situation together"
    assert sentence not in text_of(data, "patient")  # an override by one person is not a team decision
    data["decision"]["in_meeting"] = True
    assert sentence in text_of(data, "patient")


@pytest.mark.parametrize("name", sorted(CASES))
def test_only_a_meeting_decision_says_the_team_decided_whatever_the_outcome(name: str) -> None:
    """Issue 16 item 5: letters that follow a meeting decision say so, and only then; for every fixture
    (every route, step, risk level and outcome), each of its letters both ways."""
    sentence = "Our team talked about your situation together"
    decided = "in its weekly referral meeting"  # the GP letter and the referral-on summary
    data = copy.deepcopy(CASES[name])
    data.setdefault("decision", {})["in_meeting"] = False
    for kind in kinds_for(data):
        assert sentence not in text_of(data, kind) and decided not in text_of(data, kind), kind
    data["decision"]["in_meeting"] = True
    if "patient" in kinds_for(data):  # a route of the matrix: the person has a copy, which says so
        assert sentence in text_of(data, "patient")
    for kind in set(kinds_for(data)) & {"gp", "referral-on"}:
        assert decided in text_of(data, kind), kind


def test_the_summary_carries_every_risk_answer_and_the_contact_details() -> None:
    summary = text_of(CASES["crisis-high-risk"], "referral-on")
    for answer in HIGH_RISK_DETAILS["risk_answers"]:
        assert f"yes, “{answer['detail']}”" in summary
    for typed in (
        "will do it this weekend",
        "stockpiled tablets",
        "overdose 2023, ICU",
        "lives alone",
        HIGH_RISK_DETAILS["risk_formulation"],
        CASES["crisis-high-risk"]["decision"]["risk_actions"],
    ):
        assert typed in summary, typed
    assert "Telephone: 07700 900123" in summary and "Address: 12 Sample Street, Balby, Doncaster, DN4 8AB" in summary
    assert "Needs an interpreter: Polish" in summary
    # Read first: the risk comes before the ratings tables.
    assert summary.index("will do it this weekend") < summary.index("All seven ratings")


def test_the_gp_risk_section_is_the_answers_not_the_matrix_definition() -> None:
    gp = text_of(CASES["crisis-high-risk"], "gp")
    risk = gp[gp.index("Risk is rated high.") : gp.index("What happens next")]
    assert "Intent to act on them: yes, “will do it this weekend”" in risk
    assert "Protective factors: Close to her sister; lives alone" in risk
    assert "no/minimal protective factors present" not in risk  # the matrix's generic definition


def test_the_letters_word_the_risk_questions_as_the_screening_page_asks_them() -> None:
    labels = yaml.safe_load(resource_path("labels.yaml").read_text(encoding="utf-8"))
    assert default_templates().common.words.risk_questions == labels["risk_questions"]


def test_the_patient_copy_prints_the_local_numbers_first_then_the_national_ones() -> None:
    patient = text_of(CASES["crisis-high-risk"], "patient")
    local = patient.index("Doncaster mental health crisis line: 0800 804 8999 (24 hours)")
    duty = patient.index("Duty practitioner, Doncaster Talking Therapies: 01302 555 0199")
    national = [patient.index(f"{c.name}: {c.phone}") for c in NATIONAL_CONTACTS]
    assert local < duty < min(national)


def test_without_local_numbers_the_settings_national_defaults_print() -> None:
    patient = text_of(CASES["core-step2-low-risk"], "patient")  # no service details at all
    assert "Our local services:" not in patient
    for contact in NATIONAL_CONTACTS:
        assert f"{contact.name}: {contact.phone} ({contact.hours})" in patient
        assert contact.source  # each default names where it comes from


def test_a_local_number_that_is_a_national_one_prints_once() -> None:
    data = copy.deepcopy(CASES["crisis-high-risk"])
    data["service"]["local_lines"] = [{"name": "NHS 111 (press 2)", "phone": "111"}]
    patient = text_of(data, "patient")
    assert "Our local services:" not in patient and "NHS 111 (press 2)" not in patient


@pytest.mark.parametrize(("phq9", "shown"), [(15, False), (16, True)])
def test_the_medication_note_fires_at_ng222s_cut_off_not_the_matrix_band(phq9: int, shown: bool) -> None:
    # PHQ-9 15 is in the matrix's medium band (10-19), where the old note fired; NG222 calls it less severe.
    data = copy.deepcopy(CASES["core-step2-low-risk"])
    data["phq9"] = phq9
    gp = text_of(data, "gp")
    assert ("NG222" in gp) is shown
    assert "moderate to severe" not in gp


def test_the_medication_note_names_its_source_in_the_template() -> None:
    block = next(b for b in default_templates().kinds["gp"].blocks if b.id == "ask-medication")
    assert block.source is not None and "NG222" in block.source and "2022" in block.source
    assert block.when is not None and block.when.phq9_min == 16 and block.when.phq9_band is None
