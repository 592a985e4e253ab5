"""How the letters are laid out: table cells wrap at word boundaries, and the sign-off never stands
alone on a page of its own (issue 14, follow-up items 2 and 3).

Checked on the PDF as a reader gets it: ``pdftotext`` gives the words back, ``pypdf`` counts the
pages and gives each page's text.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.letters.cases import CASES, build, kinds_for, page_texts
from tests.letters.test_scripts import pdftotext
from triage.letters.content import plain

PAIRS = [(name, kind) for name, data in CASES.items() for kind in kinds_for(data)]
IDS = [f"{n}.{k}" for n, k in PAIRS]


def _words(text: str) -> set[str]:
    return set(text.split())


@pytest.mark.parametrize("kind", ["gp", "referral-on"])
def test_alternatives_in_a_ratings_cell_come_back_as_whole_words(kind: str, tmp_path: Path) -> None:
    # The case seen: "CRHTT or Community…" printed as "CRHTTorCommu nity".
    text = " ".join(pdftotext(build(CASES["crisis-high-risk"], kind).pdf, tmp_path).split())
    assert "CRHTT or Community Mental Health Team (CMHT)" in text
    assert "CRHTTor" not in text and "Commu nity" not in text


def test_a_list_of_conditions_is_joined_with_spaces_kept() -> None:
    text = " ".join(page_texts(build(CASES["integrated-ltc-step2"], "gp").pdf))
    assert "type 2 diabetes and COPD" in text


@pytest.mark.parametrize(("name", "kind"), PAIRS, ids=IDS)
def test_every_word_of_every_table_cell_comes_back_whole(name: str, kind: str, tmp_path: Path) -> None:
    letter = build(CASES[name], kind)
    extracted = _words(pdftotext(letter.pdf, tmp_path))
    for part in letter.content.parts:
        for row in part.rows:
            for cell in row:
                for word in plain(cell).split():
                    assert word in extracted, f"{part.table} table: {word!r} split or joined in the PDF"


# The GP letters of the cases with a medium or high risk rating: those that ran to a third page.
RISKY_GP_LETTERS = ["crisis-high-risk", "override-crisis-to-cmht", "core-step3-severity-medium-risk",
                    "cmht-complexity-impairment"]  # fmt: skip


@pytest.mark.parametrize("name", RISKY_GP_LETTERS)
def test_a_medium_or_high_risk_gp_letter_fits_two_pages(name: str) -> None:
    assert CASES[name]["risk"] in ("medium", "high")
    letter = build(CASES[name], "gp")
    assert letter.pages == 2 == len(page_texts(letter.pdf))


@pytest.mark.parametrize(("name", "kind"), PAIRS, ids=IDS)
def test_the_last_page_carries_more_than_the_sign_off(name: str, kind: str) -> None:
    letter = build(CASES[name], kind)
    if letter.pages == 1:
        return  # a one-page letter: the sign-off is under its text by construction
    content = letter.content
    last = page_texts(letter.pdf)[-1]
    # What a later page always has: the name and NHS number at its top, the footer and page number.
    for fixed in (content.later_pages, content.footer_left, content.footer_rules, content.page_label):
        last = last.replace(" ".join(plain(fixed).split()), " ")
    last = re.sub(r"Page \d+ of \d+", " ", last)
    for line in (content.closing, *content.signature, content.copy_to or ""):
        last = last.replace(" ".join(plain(line).split()), " ", 1)
    assert len(last.split()) >= 8, f"page {letter.pages} holds only the sign-off: {last!r}"
