"""Building one GP letter PDF beside a minimal one-page reportlab document built in the same run.

Budget (docs/design.md, "Budgets"): GP letter PDF under 150 ms, within 4x the baseline. The baseline
is the least a reportlab letter can cost: one page, one paragraph, the same bundled font, invariant
mode, through platypus. The letter is the fixture GP letter for a CMHT referral (two pages:
letterhead, outcome, criteria, risk, ratings table, footer with page N of M). Each build is checked to be a PDF carrying the person's NHS
number before anything is timed.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from bench import Timing, time_rounds
from bench.budgets import LETTER_MS, LETTER_VS_MINIMAL

ROUNDS = 20


def _baseline() -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    from triage.letters.render import FONT

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, invariant=1)
    doc.build(
        [Paragraph("Dear Dr Okafor, this is a one-page letter.", ParagraphStyle("p", fontName=FONT, fontSize=10.5))]
    )
    return buffer.getvalue()


def run() -> list[str]:
    import pypdf

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the fixtures live with the tests
    from tests.letters.cases import CASES, TODAY
    from triage.letters.command import letter_from_request, parse_letter_input
    from triage.letters.render import register_fonts
    from triage.rules.ruleset import default_ruleset

    ruleset = default_ruleset()
    request = parse_letter_input(CASES["cmht-complexity-impairment"])
    register_fonts()

    def letter() -> bytes:
        return letter_from_request(request, "gp", ruleset, TODAY)[1].pdf

    # Check before timing: both are PDFs, and the letter is the person's.
    built, base = letter(), _baseline()
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(built)).pages)
    if not (built.startswith(b"%PDF-") and base.startswith(b"%PDF-") and "999 000 0018" in text):
        raise AssertionError("the letter or the baseline is not the expected PDF")
    if letter() != built:
        raise AssertionError("two builds of the same letter differ: invariant mode is broken")
    pages = len(pypdf.PdfReader(io.BytesIO(built)).pages)

    def parse_and_letter() -> None:
        letter_from_request(parse_letter_input(CASES["cmht-complexity-impairment"]), "gp", ruleset, TODAY)

    timed = time_rounds({"baseline": _baseline, "letter": letter, "parse": parse_and_letter}, ROUNDS, warmup=2)
    base_t, letter_t, parse_t = timed["baseline"], timed["letter"], timed["parse"]

    def row(label: str, t: Timing) -> str:
        return f"{label:<58} {t.best * 1e3:>8.1f} {t.median * 1e3:>9.1f}"

    ratio = letter_t.best / base_t.best
    ok = letter_t.best * 1e3 < LETTER_MS and parse_t.best * 1e3 < LETTER_MS and ratio <= LETTER_VS_MINIMAL
    return [
        f"{ROUNDS} interleaved rounds after 2 warm-ups; fonts registered once per process (as in the app)",
        f"checked: both are PDFs; the letter ({pages} pages, {len(built):,} bytes) carries the NHS number;"
        " two builds are byte-identical",
        "",
        f"{'':<58} {'ms best':>8} {'ms median':>9}",
        row("minimal one-page reportlab document [base]", base_t),
        row("GP letter: route + compose + PDF", letter_t),
        row("GP letter: JSON input validation + route + compose + PDF", parse_t),
        "",
        f"ratio letter/base, best of {ROUNDS}: {ratio:.1f}x (budget {LETTER_VS_MINIMAL:.0f}x)"
        f" (by median {letter_t.median / base_t.median:.1f}x)",
        f"budget verdict: {'within' if ok else 'OVER'} budget: {letter_t.best * 1e3:.1f} ms"
        f" (with validation {parse_t.best * 1e3:.1f} ms) {'<' if ok else '>='} {LETTER_MS:.0f} ms",
    ]
