"""A service report as a PDF (issue 17 item 1; docs/reports.md), drawn with the letter machinery: the
letters' fonts, styles, footer and page numbering; each table under its caption and how it was counted,
and, where a person would rather look than read, a bar chart of it drawn with reportlab's own charts
(``reportlab.graphics``: already a dependency, nothing added to the bundle).

``ReportDocument`` is plain data the reports service fills (services/reports.py ``report_document``):
this layer knows nothing of the store. A hidden figure (small-number suppression) is drawn as ``*`` in
the table and as no bar, labelled "hidden", in the chart: a bar would give its size away.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import STATE_DEFAULTS, Drawing
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Spacer

from triage.letters import render
from triage.letters.content import protect

HIDDEN_LABEL = "hidden"


@dataclass(frozen=True, slots=True)
class ReportChart:
    """The bars of one table: (label, value) each, None where the figure is hidden; what is counted."""

    bars: tuple[tuple[str, float | None], ...]
    measure: str  # e.g. "Referrals", "Share over (%)"


@dataclass(frozen=True, slots=True)
class ReportTable:
    caption: str
    counted: str
    rows: tuple[tuple[str, ...], ...]  # the header first, then each row as a person reads it
    total_row: bool
    chart: ReportChart | None


@dataclass(frozen=True, slots=True)
class ReportDocument:
    service_name: str
    title: str
    lines: tuple[str, ...]  # made on, counted, the scope, what was hidden
    tables: tuple[ReportTable, ...]
    made_on: date


def render_report(document: ReportDocument) -> bytes:
    """The report as A4 PDF bytes; the same report gives the same bytes (dated the day it was made)."""
    render.register_fonts()
    styles = render.paragraph_styles(11)
    story: list[Flowable] = [
        render.para(protect(document.service_name), styles["service"]),
        Spacer(1, 4 * mm),
        render.para(protect(document.title), styles["subject"]),
    ]
    story += [render.para(protect(line), styles["body"]) for line in document.lines]
    for table in document.tables:
        story += _table(table, styles)
    pdf, _ = render.render_story(
        story, title=document.title, author=document.service_name,
        later_pages=f"{document.service_name}: {document.title}",
        footer=(f"{document.service_name}: {document.title}, made on {document.made_on:%d/%m/%Y}",
                "Figures counted as each table says; a hidden figure (*) is a small number."),
        page_label="Page {page} of {pages}", created=document.made_on,
    )  # fmt: skip
    return pdf


def _table(table: ReportTable, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    widths = _widths(table, styles["cell_head"])
    rows = [[protect(cell) for cell in row] for row in table.rows]
    heading = [CondPageBreak(40 * mm), render.para(protect(table.caption), styles["heading"]),
               render.para(protect(table.counted), styles["small"])]  # fmt: skip
    strong = (len(rows) - 1,) if table.total_row else ()
    flowables: list[Flowable] = [KeepTogether([*heading, render.data_table(rows, widths, styles, strong_rows=strong)])]
    if table.chart is not None and table.chart.bars:
        flowables.append(chart_drawing(table.chart, render.WIDTH))
    return flowables


def _widths(table: ReportTable, head: ParagraphStyle) -> list[float]:
    """Each column at least as wide as its heading's longest word (no heading breaks inside a word), the
    rest shared by how long each column's text is, up to about 45 characters (longer text wraps)."""
    padding = 3 * mm + 1
    least = [max(stringWidth(word, head.fontName, head.fontSize) for word in name.split() or [""]) + padding
             for name in table.rows[0]]  # fmt: skip
    weights = [min(max(len(row[c]) for row in table.rows), 45) + 2 for c in range(len(least))]
    spare = max(render.WIDTH - sum(least), 0)
    return [low + spare * weight / sum(weights) for low, weight in zip(least, weights, strict=True)]


def chart_drawing(chart: ReportChart, width: float) -> Drawing:
    """Horizontal bars, one per row, labelled with the row and its figure; a hidden figure has no bar."""
    bar, gap = 5 * mm, 2 * mm
    height = len(chart.bars) * (bar + gap) + 12 * mm
    drawing = Drawing(width, height)
    plot = HorizontalBarChart()
    plot.x, plot.y = round(width * 0.42), round(8 * mm)  # whole points
    plot.width, plot.height = round(width * 0.5), round(height - 12 * mm)
    values = [value or 0.0 for _, value in reversed(chart.bars)]  # the first row at the top
    plot.data = [values]
    plot.bars[0].fillColor = render.BLUE
    plot.bars[0].strokeColor = None
    plot.valueAxis.valueMin = 0
    plot.valueAxis.valueMax = max([*values, 1.0]) * 1.15
    plot.valueAxis.labels.fontName = render.FONT
    plot.valueAxis.labels.fontSize = 7
    room = plot.x - 4 * mm  # a label longer than the room to the bars' left is cut, with an ellipsis
    plot.categoryAxis.categoryNames = [
        _fit(f"{label} ({HIDDEN_LABEL})" if value is None else label, room, 8) for label, value in reversed(chart.bars)
    ]
    plot.categoryAxis.labels.fontName = render.FONT
    plot.categoryAxis.labels.fontSize = 8
    plot.categoryAxis.labels.boxAnchor = "e"
    plot.categoryAxis.labels.dx = -2
    plot.barLabelFormat = "%g"
    plot.barLabels.fontName = render.FONT
    plot.barLabels.fontSize = 7
    plot.barLabels.boxAnchor = "w"
    plot.barLabels.dx = 2
    plot.barLabelArray = [[("" if value is None else f"{value:g}") for _, value in reversed(chart.bars)]]
    drawing.add(plot)
    # reportlab's renderer starts every drawing in its default font (Helvetica), which the PDF would then
    # name without embedding it, as a letter's canvas once did; the charts here use the bundled font only.
    STATE_DEFAULTS["fontName"] = render.FONT
    drawing.hAlign = "LEFT"
    return drawing


def _fit(text: str, width: float, size: float) -> str:
    if stringWidth(text, render.FONT, size) <= width:
        return text
    while text and stringWidth(text + "…", render.FONT, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"
