"""Questionnaire scoring: totals, standard bands with their source, and the item 9 flag."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from triage.rules.questionnaires import questionnaire, score, score_total


@pytest.mark.parametrize(("qid", "items", "top"), [("phq9", 9, 27), ("gad7", 7, 21), ("wsas", 5, 40)])
def test_shape_and_range(qid, items, top):
    q = questionnaire(qid)
    assert len(q.items) == items and q.max_total == top
    assert q.bands.source


@given(st.lists(st.integers(0, 3), min_size=9, max_size=9))
def test_phq9_total_is_the_sum_and_item9_is_flagged_above_zero(answers):
    s = score(questionnaire("phq9"), answers)
    assert s.total == sum(answers)
    assert bool(s.flags) == (answers[8] > 0)


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "Minimal"),
        (4, "Minimal"),
        (5, "Mild"),
        (9, "Mild"),
        (10, "Moderate"),
        (14, "Moderate"),
        (15, "Moderately severe"),
        (19, "Moderately severe"),
        (20, "Severe"),
        (27, "Severe"),
    ],
)
def test_phq9_standard_bands(total, band):
    assert score_total(questionnaire("phq9"), total).band == band


@pytest.mark.parametrize(
    ("total", "band"), [(4, "Minimal"), (5, "Mild"), (10, "Moderate"), (14, "Moderate"), (15, "Severe"), (21, "Severe")]
)
def test_gad7_standard_bands(total, band):
    assert score_total(questionnaire("gad7"), total).band == band


@pytest.mark.parametrize(
    ("answers", "band"),
    [
        ([1, 2, 2, 2, 2], "Subclinical"),
        ([2, 2, 2, 2, 2], "Significant functional impairment"),
        ([4, 4, 4, 4, 4], "Significant functional impairment"),
        ([8, 8, 5, 0, 0], "Moderately severe or worse"),
    ],
)
def test_wsas_bands(answers, band):
    assert score(questionnaire("wsas"), answers).band == band


@pytest.mark.parametrize(
    ("qid", "answers", "message"),
    [
        ("phq9", [0] * 8, "phq9: must have exactly 9 answers"),
        ("phq9", [0, 0, 0, 4, 0, 0, 0, 0, 0], "phq9[3]: must be an integer 0-3"),
        ("gad7", [0, 0, 0, 0, 0, 0, True], "gad7[6]: must be an integer 0-3"),
        ("wsas", [0, 0, 9, 0, 0], "wsas[2]: must be an integer 0-8"),
    ],
)
def test_bad_answers_name_the_item(qid, answers, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        score(questionnaire(qid), answers)


def test_a_total_out_of_range_is_refused():
    with pytest.raises(ValueError, match="total must be an integer 0-27"):
        score_total(questionnaire("phq9"), 28)


def test_a_total_alone_gives_no_item_flags():
    assert score_total(questionnaire("phq9"), 20).flags == ()
