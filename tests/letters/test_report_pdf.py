"""A report as a PDF (issue 17 item 1; triage/letters/report_pdf.py): its tables and charts in the
bundled fonts only, every font embedded (never Helvetica, which reportlab's charts start in); a hidden
figure drawn as no bar, labelled "hidden"; the same report giving the same bytes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from tests.letters.test_scripts import pdffonts, pdftotext
from triage.letters.fonts import FALLBACK, PRIMARY
from triage.letters.report_pdf import ReportChart, ReportDocument, ReportTable, render_report

SOURCES = ReportTable(
    "Referrals by source", "Each referral once, by who referred.",
    (("Source", "Referrals", "Share (%)"), ("GP", "17", "85.0"), ("Self-referral", "*", "*"), ("Total", "20", "100.0")),
    total_row=True, chart=ReportChart((("GP", 17.0), ("Self-referral", None)), "Referrals"),
)  # fmt: skip
DOCUMENT = ReportDocument("Doncaster Talking Therapies", "Referrals by destination, source, step and pathway",
                          ("Made on 01/12/2026; 20 referrals counted.",), (SOURCES,), date(2026, 12, 1))  # fmt: skip


def test_the_tables_and_charts_are_drawn_in_the_bundled_fonts_and_a_hidden_figure_has_no_bar(tmp_path: Path) -> None:
    pdf = render_report(DOCUMENT)
    text = " ".join(pdftotext(pdf, tmp_path).split())
    assert "Referrals by source" in text and "Each referral once, by who referred." in text
    assert "Self-referral (hidden)" in text and "17" in text  # the chart's labels, as text a reader can find
    for name, embedded in pdffonts(pdf, tmp_path):
        assert embedded == "yes", name
        assert name.split("+")[-1].split("-")[0] in {PRIMARY.name, FALLBACK.name}, name
    assert render_report(DOCUMENT) == pdf  # dated the day it was made: the same bytes again
