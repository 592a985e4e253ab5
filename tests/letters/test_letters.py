"""The letter API: byte-identical builds, decisions that must be complete, abbreviations, metadata."""

from __future__ import annotations

import copy
import io
import re
from pathlib import Path

import pypdf
import pytest
import yaml

from tests.letters.cases import CASES, build, kinds_for, page_texts
from triage.letters import LetterInputError, LetterTemplateError, load_templates
from triage.letters.particulars import INTERVENTION_OUTCOMES, REFERRAL_SOURCES
from triage.letters.templates import MARKER
from triage.resources import resource_path


@pytest.mark.parametrize("kind", ["gp", "patient", "referral-on"])
def test_two_builds_are_byte_identical(kind: str) -> None:
    data = CASES["cmht-complexity-impairment"]
    first, second = build(data, kind), build(copy.deepcopy(data), kind)
    assert first.pdf == second.pdf
    assert first.sha256 == second.sha256
    assert first.pdf.startswith(b"%PDF-")


def test_the_pdf_metadata_and_repr_carry_no_identifiers() -> None:
    letter = build(CASES["crisis-high-risk"], "gp")
    info = pypdf.PdfReader(io.BytesIO(letter.pdf)).metadata
    meta = " ".join(str(value) for value in info.values())
    for secret in ("Alex", "Example", "999 000 0018", "9990000018", "1980"):
        assert secret not in meta
        assert secret not in repr(letter)


def test_every_page_after_the_first_names_the_person() -> None:
    pages = page_texts(build(CASES["cmht-complexity-impairment"], "referral-on").pdf)
    assert len(pages) >= 2
    for number, text in enumerate(pages, start=1):
        assert "999 000 0018" in text
        assert f"Page {number} of {len(pages)}" in text
        assert "doncaster-2007 version 1.1.0 (sha256 bae9fe5e)" in text
        assert "TT-000123" in text


def test_letter_date_comes_from_the_input_not_the_clock() -> None:
    texts = " ".join(build(CASES["core-step2-low-risk"], "gp").paragraphs)
    assert "Date 3 March 2025" in texts


def _expansions(text: str) -> list[tuple[str, str]]:
    return re.findall(r"([A-Z][A-Za-z -]+?) \(([A-Z][A-Z0-9-]+)\)", text)


@pytest.mark.parametrize("name", sorted(CASES))
def test_abbreviations_are_expanded_on_first_use_only(name: str) -> None:
    # Abbreviations the templates mark; typed text (e.g. "CBT" in a previous intervention) is printed as typed.
    templates = load_templates()
    glossary = templates.common.glossary
    for kind in ("gp", "referral-on"):
        if kind not in kinds_for(CASES[name]):  # a referral-on summary only outside IAPT; outcome letters: GP only
            continue
        marked = {m for block in templates.kinds[kind].blocks for m in MARKER.findall(block.text or "")}
        marked |= {m for text in templates.common.labels.scores_rows.values() for m in MARKER.findall(text)}
        text = " ".join(build(CASES[name], kind).paragraphs)
        for abbreviation, expansion in glossary.items():
            if abbreviation not in marked:
                continue
            first = text.find(abbreviation)
            if first == -1:
                continue
            full = f"{expansion} ({abbreviation})"
            assert text.find(full) != -1 and text.find(full) + len(expansion) + 2 == first, (kind, abbreviation)
            assert text.count(full) == 1, (kind, abbreviation)


@pytest.mark.parametrize("name", sorted(n for n, data in CASES.items() if "patient" in kinds_for(data)))
def test_the_patient_copy_avoids_clinical_shorthand(name: str) -> None:
    text = " ".join(build(CASES[name], "patient").paragraphs)
    body = text.split("Dear ", 1)[1]
    for shorthand in (
        "IAPT",
        "CMHT",
        "CRHTT",
        "PHQ-9",
        "GAD-7",
        "NICE",
        "CBT",
        "PWP",
        "MUS",
        "DaSH",
        "matrix",
        "step 2",
        "step 3",
    ):
        assert shorthand not in body, shorthand
    assert "999" in body and "116 123" in body  # urgent help is always given


def test_decision_must_fit_the_routing() -> None:
    data = copy.deepcopy(CASES["crisis-high-risk"])
    del data["decision"]
    with pytest.raises(LetterInputError) as caught:
        build(data, "gp")
    assert caught.value.problems == [
        "decision.confirmed_route: required, because this recommendation needs a person's confirmation"
        " (high risk, or more than one service outside IAPT); give the route decided on",
        "decision.override_reason: required when risk is high: why this route was chosen (the crisis team or the CMHT),"
        " whichever it is",
        "decision.risk_actions: required when risk is medium or high: the actions taken and the safety advice given",
    ]
    data["decision"] = {"confirmed_route": "cmht", "confirmed_step": 2, "risk_actions": "Safety plan agreed"}
    with pytest.raises(LetterInputError) as caught:
        build(data, "gp")
    assert caught.value.problems == [
        "decision.confirmed_step: must be left out for a route outside IAPT",
        "decision.override_reason: required when the confirmed route or step differs from the recommendation",
    ]


def test_a_high_risk_choice_needs_its_reason_and_actions_in_words() -> None:
    # Defect 6: choosing the crisis team for high risk needed no reason; defect 5: "." passed as an action.
    data = copy.deepcopy(CASES["crisis-high-risk"])
    data["decision"] = {"confirmed_route": "crisis_team", "risk_actions": "."}
    with pytest.raises(LetterInputError) as caught:
        build(data, "gp")
    assert [problem.split(":")[0] for problem in caught.value.problems] == [
        "decision.override_reason",
        "decision.risk_actions",
    ]
    text = " ".join(" ".join(build(CASES["crisis-high-risk"], kind).paragraphs) for kind in ("gp", "referral-on"))
    reason = CASES["crisis-high-risk"]["decision"]["override_reason"]
    assert text.count(f"Why we chose the Crisis Resolution and Home Treatment Team: {reason}") == 2


def test_referral_on_summary_is_only_for_routes_outside_iapt() -> None:
    with pytest.raises(LetterInputError) as caught:
        build(CASES["integrated-ltc-step2"], "referral-on")
    assert caught.value.problems == [
        "kind: a referral-on letter is only for the routes cmht, crisis_team, substance_misuse; this decision is integrated_iapt"
    ]


def test_inconsistent_details_are_refused() -> None:
    data = copy.deepcopy(CASES["integrated-mus-step3"])
    data["previous_unhelpful_interventions"] = 2
    data["patient"]["date_of_birth"] = "2025-02-21"
    with pytest.raises(LetterInputError) as caught:
        build(data, "gp")
    assert caught.value.problems == [
        "patient.date_of_birth: must be before the referral was received",
        "details.previous_interventions: 1 marked unhelpful, but previous_unhelpful_interventions is 2; they must agree",
    ]


def test_typed_text_is_not_read_as_template_markup() -> None:
    data = copy.deepcopy(CASES["override-crisis-to-cmht"])
    data["decision"]["override_reason"] = "See [NICE] and **this** {given_name}."
    text = " ".join(build(data, "gp").paragraphs)
    assert "See [NICE] and **this** {given_name}." in text


def test_the_letter_vocabularies_match_the_store() -> None:
    from triage.store import vocabulary

    assert REFERRAL_SOURCES == vocabulary.REFERRAL_SOURCES
    assert INTERVENTION_OUTCOMES == vocabulary.INTERVENTION_OUTCOMES


# --- the templates are checked at load ---------------------------------------------------------------


def _copy_templates(tmp_path: Path, kind: str, change) -> Path:
    for path in resource_path("letters").glob("*.yaml"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    target = tmp_path / f"{kind}.yaml"
    document = yaml.safe_load(target.read_text(encoding="utf-8"))
    change(document)
    target.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return tmp_path


def test_shipped_templates_load_and_use_only_known_abbreviations() -> None:
    templates = load_templates()
    assert set(templates.kinds) == {"gp", "patient", "referral-on"}
    for kind in templates.kinds.values():
        for block in kind.blocks:
            for name in MARKER.findall(block.text or ""):
                assert name in templates.common.glossary


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda d: d["blocks"].append({"paragraph": "Hello {shoe_size}"}), "unknown placeholder {shoe_size}"),
        (lambda d: d["blocks"].append({"paragraph": "Because {override_reason}"}),
         "{override_reason} may have no value here; limit the block with overridden: true"),
        (lambda d: d["blocks"].append({"paragraph": "See the [XYZ]"}), "the abbreviation [XYZ] is not in the glossary"),
        (lambda d: d["blocks"].append({"paragraph": "x", "colour": "red"}), "colour: unknown key"),
        (lambda d: d["blocks"].append({"paragraph": "x", "when": {"risk": ["severe"]}}), "when.risk[0]: Input should be 'low', 'medium' or 'high'"),
        (lambda d: d["blocks"].insert(0, {"paragraph": "x", "when": {"none_shown": ["ask-mus"]}}),
         "none_shown names ask-mus, which is not a block before this one"),
    ],
)  # fmt: skip
def test_a_faulty_template_fails_at_load_with_its_problem(tmp_path: Path, change, problem: str) -> None:
    folder = _copy_templates(tmp_path, "gp", change)
    with pytest.raises(LetterTemplateError) as caught:
        load_templates(folder)
    assert any(problem in line for line in caught.value.problems), caught.value.problems


def test_a_practice_that_names_no_gp_gets_the_gp_and_dear_doctor() -> None:
    data = copy.deepcopy(CASES["core-step2-low-risk"])
    del data["gp"]["name"]
    letter = build(data, "gp")
    assert "Dear Doctor," in letter.paragraphs and not any("Dear The GP" in p for p in letter.paragraphs)
    assert "Therapies The GP Hexthorpe Medical Practice" in page_texts(letter.pdf)[0]  # the address block
    named = build(CASES["core-step2-low-risk"], "gp")
    assert f"Dear {CASES['core-step2-low-risk']['gp']['name']}," in named.paragraphs
