"""The text of every fixture letter, extracted from the PDF with pypdf, against its golden file.

The goldens (tests/letters/golden/CASE.KIND.txt) are the letters as a GP, a patient or a receiving
team would read them: review them like any other change. To regenerate them on purpose, after a
deliberate template or layout change:

    TRIAGE_REGENERATE_GOLDEN=1 .venv/bin/pytest tests/letters/test_golden.py

then read the diff (git diff tests/letters/golden) before committing it.
"""

from __future__ import annotations

import pytest

from tests.letters.cases import CASES, GOLDEN, build, golden_text, kinds_for, matches_golden, page_texts

PAIRS = [(name, kind) for name, data in CASES.items() for kind in kinds_for(data)]


@pytest.mark.parametrize(("name", "kind"), PAIRS, ids=[f"{n}.{k}" for n, k in PAIRS])
def test_letter_text_matches_golden(name: str, kind: str) -> None:
    letter = build(CASES[name], kind)
    actual = golden_text(page_texts(letter.pdf))
    matches_golden(GOLDEN / f"{name}.{kind}.txt", actual, "letter")


def test_every_golden_file_belongs_to_a_fixture() -> None:
    # A renamed or removed fixture must not leave a stale golden behind.
    expected = {f"{name}.{kind}.txt" for name, kind in PAIRS}
    assert {path.name for path in GOLDEN.glob("*.txt")} <= expected


def test_fixtures_cover_every_route_step_risk_and_override() -> None:
    from tests.letters.cases import _route

    routes = {_route(data) for data in CASES.values()}
    assert routes == {"core_iapt", "integrated_iapt", "cmht", "crisis_team", "substance_misuse",
                      "not_suitable", "no_contact", "declined", "debt_advice"}  # fmt: skip
    letters = {name: build(data, "gp").content for name, data in CASES.items()}
    texts = {name: " ".join(content.paragraphs()) for name, content in letters.items()}
    assert any("(step 2 of stepped care)" in t for t in texts.values())
    assert any("(step 3 of stepped care)" in t for t in texts.values())
    for level in ("low", "medium", "high"):
        assert any(f"Risk is rated {level}." in t for t in texts.values()), level
    assert sum("The matrix recommended" in t for t in texts.values()) == 3  # three overrides
    assert any(data.get("long_term_conditions") for data in CASES.values())
    assert any(data.get("medically_unexplained_symptoms") for data in CASES.values())
