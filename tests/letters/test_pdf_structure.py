"""Reading order and metadata of the letter PDF (issue 14, item 8): each page's content stream has the
body before the footer (what a screen reader and a text extraction follow); the PDF is dated with
the stored time of the letter's event (never reportlab's invariant 1 January 2000), so building the
same letter again gives the same bytes; its language is en-GB."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta, timezone

import pypdf
import pytest

from tests.letters.cases import CASES, build, kinds_for
from triage.letters.command import parse_letter_input
from triage.letters.letter import build_letter
from triage.letters.render import pdf_date
from triage.rules.engine import route
from triage.rules.ruleset import default_ruleset

FOOTER = "Decided under ruleset doncaster-2007"
EVENT = datetime(2025, 3, 3, 10, 42, 7, tzinfo=UTC)


def built_at(created: datetime | None, name: str = "cmht-complexity-impairment", kind: str = "gp") -> bytes:
    request = parse_letter_input(CASES[name])
    ruleset = default_ruleset()
    return build_letter(kind, screening=request.screening, routing=route(request.screening, ruleset),  # type: ignore[arg-type]
                        particulars=request.particulars, decision=request.decision,
                        letter_date=request.letter_date or date(2025, 3, 14), ruleset=ruleset, created=created).pdf  # fmt: skip


@pytest.mark.parametrize(("name", "kind"), [(n, k) for n, data in CASES.items() for k in kinds_for(data)])
def test_each_page_reads_its_body_before_its_footer(name: str, kind: str) -> None:
    reader = pypdf.PdfReader(io.BytesIO(build(CASES[name], kind).pdf))
    for number, page in enumerate(reader.pages, start=1):
        text = " ".join(page.extract_text().split())  # in content-stream order
        footer = text.index(FOOTER)
        assert footer > len(text) // 2, f"page {number}: the footer comes before the body"
        assert text.rstrip().endswith(f"Page {number} of {len(reader.pages)}")
        if number == 1:
            assert text.index("Dear " if kind == "gp" else "NHS number") < footer
        else:  # a later page starts with whose it is, then its body
            assert text.startswith("Alex Example · born 15 June 1980 · NHS number 999 000 0018")


def test_the_creation_date_is_the_stored_event_time_and_a_rebuild_is_byte_identical() -> None:
    first, second = built_at(EVENT), built_at(EVENT)
    assert first == second
    info = pypdf.PdfReader(io.BytesIO(first)).metadata
    assert info is not None and info.creation_date == EVENT
    assert info["/CreationDate"] == "D:20250303104207+00'00'" == info["/ModDate"]
    assert built_at(EVENT + timedelta(seconds=1)) != first  # the date is really what was given
    assert b"D:20000101" not in first


def test_a_time_in_another_zone_is_written_in_utc() -> None:
    local = EVENT.astimezone(timezone(timedelta(hours=1)))
    assert pdf_date(local) == "D:20250303104207+00'00'"
    with pytest.raises(ValueError, match="time zone"):
        pdf_date(datetime(2025, 3, 3, 10, 42))


def test_without_a_stored_time_the_pdf_is_dated_with_the_letter_date_alone() -> None:
    pdf = build(CASES["core-step2-low-risk"], "gp").pdf  # `triage letter`: the input's letter date
    info = pypdf.PdfReader(io.BytesIO(pdf)).metadata
    assert info is not None and info["/CreationDate"] == "D:20250303"  # 3 March 2025, no made-up time
    assert b"D:20000101" not in pdf


def test_the_document_language_is_en_gb() -> None:
    reader = pypdf.PdfReader(io.BytesIO(build(CASES["core-step2-low-risk"], "patient").pdf))
    assert reader.trailer["/Root"]["/Lang"] == "en-GB"


def test_the_plain_text_letter_has_every_paragraph_in_reading_order_then_the_footer() -> None:
    letter = build(CASES["crisis-high-risk"], "patient")
    text = letter.plain_text
    assert text.split("\n\n")[: len(letter.paragraphs)] == list(letter.paragraphs)
    assert text.rstrip().endswith("Confidential") and FOOTER in text.split("\n\n")[-1]
    assert "**" not in text and "Alex Example" in text
