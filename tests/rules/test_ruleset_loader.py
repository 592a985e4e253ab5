"""The loader refuses every kind of broken ruleset, naming the problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from triage.rules.ruleset import RulesetError, canonical_sha256, load_ruleset

from .conftest import SHIPPED


def problems_of(path: Path) -> str:
    with pytest.raises(RulesetError) as caught:
        load_ruleset(path)
    return "\n".join(caught.value.problems)


def test_the_shipped_ruleset_loads_and_matches_its_declared_hash(ruleset):
    assert ruleset.id == "doncaster-2007"
    assert ruleset.status == "active"
    assert ruleset.document.sha256 == ruleset.sha256 == canonical_sha256(ruleset.document)
    assert [v.id for v in ruleset.document.variables] == [
        "severity",
        "chronicity",
        "complexity",
        "impairment",
        "substance_use",
        "risk",
        "previous_unhelpful_interventions",
    ]


def test_definitions_are_verbatim_from_the_matrix(ruleset):
    risk = ruleset.variable("risk").definitions
    assert risk["high"] == (
        "Frequent thoughts of suicide/homicide with strong intent and active plans; current life-threatening "
        "self-harm/harm to others; history of serious suicide attempts or serious self-harm/harm to others; "
        "no/minimal protective factors present"
    )
    assert ruleset.variable("complexity").definitions["low"] == "one main problem manageable by one clinician"
    assert ruleset.variable("previous_unhelpful_interventions").definitions == {
        "low": "none",
        "medium": "1-2",
        "high": "3+",
    }
    assert ruleset.document.source.author == "Dr Felix Davies"
    assert ruleset.document.source.dated == "17.05.07"
    assert ruleset.document.source.review == "tbc"
    assert ruleset.document.abbreviations["CRHTT"] == "Crisis Resolution and Home Treatment Team"


def test_severity_bands_are_the_matrix_bands_not_the_usual_phq9_bands(ruleset):
    phq9 = ruleset.score_levels["phq9"]
    gad7 = ruleset.score_levels["gad7"]
    assert (phq9[9], phq9[10], phq9[19], phq9[20], phq9[27]) == ("low", "medium", "medium", "high", "high")
    assert (gad7[9], gad7[10], gad7[14], gad7[15], gad7[21]) == ("low", "medium", "medium", "high", "high")
    assert [ruleset.interventions_level(n) for n in (0, 1, 2, 3, 40)] == ["low", "medium", "medium", "high", "high"]


def test_formatting_and_comments_do_not_change_the_hash(tmp_path):
    text = SHIPPED.read_text(encoding="utf-8")
    reformatted = tmp_path / "same.yaml"
    reformatted.write_text(
        "# a new comment\n" + text.replace("title: Doncaster", "title:   Doncaster"), encoding="utf-8"
    )
    assert load_ruleset(reformatted).sha256 == load_ruleset(SHIPPED).sha256


def test_a_changed_file_whose_declared_hash_no_longer_matches_is_refused(tmp_path):
    edited = tmp_path / "edited.yaml"
    edited.write_text(
        SHIPPED.read_text(encoding="utf-8").replace("low: No/minimal use", "low: No use"), encoding="utf-8"
    )
    assert "does not match the content" in problems_of(edited)


def test_a_missing_cell_is_named_with_an_uncovered_combination(write_ruleset):
    path = write_ruleset(lambda d: d["cells"].pop(3))  # complexity-high
    text = problems_of(path)
    assert "no cell gives a destination for complexity=high" in text
    assert "uncovered" in text
    assert "729 of 2187 combinations" in text


def test_an_overlapping_cell_is_named_as_a_conflict(write_ruleset):
    def overlap(document):
        document["cells"].append(
            {"id": "risk-high-again", "variable": "risk", "levels": ["high"], "destinations": ["cmht"]}
        )

    text = problems_of(write_ruleset(overlap))
    assert "risk=high is covered by more than one cell (risk-high and risk-high-again)" in text
    assert "conflicts" in text


def test_an_unknown_variable_is_refused(write_ruleset):
    text = problems_of(write_ruleset(lambda d: d["cells"][0].__setitem__("variable", "mood")))
    assert "cells[0].variable" in text and "unknown value" in text


def test_an_unknown_destination_is_refused(write_ruleset):
    text = problems_of(write_ruleset(lambda d: d["cells"][3].__setitem__("destinations", ["inpatient_ward"])))
    assert "cells[3].destinations[0]" in text


def test_a_destination_used_but_not_defined_is_refused(write_ruleset):
    def drop(document):
        document["destinations"] = [x for x in document["destinations"] if x["code"] != "substance_misuse"]

    text = problems_of(write_ruleset(drop))
    assert "destination substance_misuse is not defined" in text


def test_precedence_must_order_every_destination(write_ruleset):
    text = problems_of(write_ruleset(lambda d: d["precedence"].remove("cmht")))
    assert "precedence: cmht is missing" in text


def test_a_retired_ruleset_is_refused_but_can_be_read_for_replay(write_ruleset):
    path = write_ruleset(lambda d: d.__setitem__("status", "retired"))
    assert "retired" in problems_of(path)
    assert load_ruleset(path, allow_retired=True).status == "retired"


def test_unknown_keys_are_refused_at_any_depth(write_ruleset):
    assert "colour: unknown key" in problems_of(write_ruleset(lambda d: d.__setitem__("colour", "red")))
    text = problems_of(write_ruleset(lambda d: d["variables"][1].__setitem__("weight", 2)))
    assert "variables[1].weight: unknown key" in text


def test_a_duplicate_yaml_key_is_refused_with_its_line(tmp_path):
    text = SHIPPED.read_text(encoding="utf-8").replace("precedence: [", "precedence: [iapt]\nprecedence: [", 1)
    path = tmp_path / "dup.yaml"
    path.write_text(text, encoding="utf-8")
    assert "the key 'precedence' appears twice" in problems_of(path)


@pytest.mark.parametrize(
    ("bands", "expected"),
    [
        ({"low": [0, 9], "medium": [11, 19], "high": [20, 27]}, "leaves a gap"),
        ({"low": [0, 10], "medium": [10, 19], "high": [20, 27]}, "overlaps"),
        ({"low": [0, 9], "medium": [10, 19], "high": [20, 26]}, "the scale ends at 27"),
        ({"low": [0, 9], "medium": [10, 19]}, "no band for high"),
    ],
)
def test_severity_bands_must_partition_the_scale(write_ruleset, bands, expected):
    text = problems_of(write_ruleset(lambda d: d["severity"]["measures"].__setitem__("phq9", bands)))
    assert "severity.measures.phq9" in text and expected in text


def test_intervention_bands_must_be_open_ended(write_ruleset):
    path = write_ruleset(
        lambda d: d.__setitem__("previous_unhelpful_interventions", {"low": [0, 0], "medium": [1, 2], "high": [3, 9]})
    )
    assert "must be open-ended" in problems_of(path)


def test_a_variable_missing_a_level_definition_is_refused(write_ruleset):
    text = problems_of(write_ruleset(lambda d: d["variables"][2]["definitions"].pop("medium")))
    assert "complexity: no definition for level medium" in text


def test_a_missing_matrix_variable_is_refused(write_ruleset):
    text = problems_of(write_ruleset(lambda d: d["variables"].pop(4)))
    assert "substance_use are missing" in text


def test_a_reason_with_an_unknown_placeholder_is_refused(write_ruleset):
    text = problems_of(write_ruleset(lambda d: d["reasons"].__setitem__("route", "Go to {destination}")))
    assert "reasons.route: unknown placeholder {destination}" in text


def test_strings_are_not_coerced_to_numbers(write_ruleset):
    text = problems_of(write_ruleset(lambda d: d["previous_unhelpful_interventions"].__setitem__("medium", ["1", 2])))
    assert "previous_unhelpful_interventions.medium" in text


def test_an_unreadable_or_non_mapping_file_is_refused(tmp_path):
    assert "cannot be read" in problems_of(tmp_path / "absent.yaml")
    not_mapping = tmp_path / "list.yaml"
    not_mapping.write_text("- 1\n- 2\n", encoding="utf-8")
    assert "one mapping" in problems_of(not_mapping)
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: [unclosed\n", encoding="utf-8")
    assert "line" in problems_of(broken)


def test_a_draft_ruleset_loads_and_says_so(write_ruleset):
    ruleset = load_ruleset(write_ruleset(lambda d: d.__setitem__("status", "draft")))
    assert ruleset.is_draft


def test_every_destination_must_be_defined_so_every_route_has_its_label(write_ruleset):
    def drop(document):
        document["destinations"] = [x for x in document["destinations"] if x["code"] != "crisis_team"]

    assert "destinations: crisis_team must be defined" in problems_of(write_ruleset(drop))
