"""Lay a LetterContent out as an A4 PDF with reportlab platypus.

The PDF is the single source for preview, print and file (engineering-reference 3.3). Always built
with ``invariant=1``, only the bundled fonts (embedded, fonts.py: Atkinson Hyperlegible, Noto Sans
for what it lacks) and the creation date given, so the same content gives the same bytes on every
machine. The PDF's metadata carry the kind of letter, never the person's name; its language is
en-GB. Each page's content stream has the body first and the footer after it, the order a screen
reader or text extraction reads it (docs/letters.md).
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape, unescape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.fonts import ps2tt
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    ListFlowable,
    ListItem,
    NextPageTemplate,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from triage.letters.content import LetterContent, Part, restore
from triage.letters.fonts import FAMILIES, PRIMARY, STYLES, font_file, normalised, runs, style_of

FONT = PRIMARY.name
LANGUAGE = "en-GB"
# NHS identity colours: blue for structure, dark grey text, pale grey and warm yellow for callouts.
BLUE = colors.HexColor("#005EB8")
TEXT = colors.HexColor("#212B32")
GREY = colors.HexColor("#4C6272")
PALE = colors.HexColor("#E8EDEE")
PALE_BLUE = colors.HexColor("#EEF4FA")
RULE = colors.HexColor("#AEB7BD")
WARM_YELLOW = colors.HexColor("#FFB81C")
PALE_YELLOW = colors.HexColor("#FFF6DB")

PAGE_W, PAGE_H = A4
LEFT = RIGHT = 20 * mm
TOP = 16 * mm
BOTTOM = 24 * mm
WIDTH = PAGE_W - LEFT - RIGHT

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_TAG = re.compile(r"(<[^>]*>)")


class UnprintableText(ValueError):
    """Letter text with a character no bundled font draws (input validation refuses these in every
    field a person types, triage/fields.py): the letter is not built rather than printed with a box."""

    def __init__(self, run: str) -> None:  # a run of such characters (a word in a script not bundled): its first
        super().__init__(f"the letter has a character its fonts cannot print (U+{ord(run[0]):04X})")


@lru_cache(maxsize=1)
def register_fonts() -> str:
    """Register the bundled font families once per process (parsing a TTF costs milliseconds). Each
    style of a family is registered under its own name, so that a fallback run in a bold paragraph
    (``<font face="NotoSans">`` inside bold) is drawn in the fallback's bold face."""
    registered: set[str] = set()
    for family in FAMILIES:
        faces = {style: family.face(style) for style in STYLES}
        for style, name in faces.items():
            if name not in registered:  # Noto's italic styles are its upright faces (fonts.py)
                pdfmetrics.registerFont(TTFont(name, font_file(family.files[style])))
                registered.add(name)
        pdfmetrics.registerFontFamily(family.name, **faces)
    return FONT


def markup(text: str, style: ParagraphStyle | None = None) -> str:
    """Letter text to reportlab paragraph markup: XML-escaped, ``**bold**`` spans bold, and every word
    the primary font cannot draw in a ``<font face>`` span of the fallback family that can, in the
    face matching where it stands: bold in a bold ``style`` or a bold span, as the text around it.
    (A ``<font face>`` resets reportlab's bold and italic, so the face is named outright.)"""
    tagged = restore(_BOLD.sub(r"<b>\1</b>", escape(normalised(text))))
    _, bold, italic = ps2tt(style.fontName) if style is not None else (FONT, False, False)
    out: list[str] = []
    depth = 0
    for piece in _TAG.split(tagged):
        if piece.startswith("<"):
            depth += {"<b>": 1, "</b>": -1}.get(piece, 0)
            out.append(piece)
            continue
        face = style_of(bool(bold) or depth > 0, bool(italic))
        for run, family in runs(unescape(piece)):
            if family is None:
                raise UnprintableText(run)
            out.append(escape(run) if family is PRIMARY else f'<font face="{family.face(face)}">{escape(run)}</font>')
    return "".join(out)


def para(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(markup(text, style), style)


def draw_text(canvas: Canvas, x: float, y: float, text: str, size: float, *, right: bool = False) -> None:
    """One line of plain text on the canvas (a footer, a page header), each run in the family that
    draws it; ``right``: ``x`` is where the line ends."""
    pieces: list[tuple[str, str]] = []
    for run, family in runs(normalised(text)):
        if family is None:
            raise UnprintableText(run)
        pieces.append((run, family.name))
    if right:
        x -= sum(pdfmetrics.stringWidth(run, face, size) for run, face in pieces)
    line = canvas.beginText(x, y)
    for run, face in pieces:
        line.setFont(face, size)
        line.textOut(run)
    canvas.drawText(line)


def pdf_date(created: date | datetime) -> str:
    """A PDF date (ISO 32000-1, 7.9.4) for when the letter's event happened: to the second in UTC when
    the time is known, the day alone when only the letter's date is (never a made-up time of day)."""
    if isinstance(created, datetime):
        if created.tzinfo is None:
            raise ValueError("a letter's creation time must say its time zone")
        return created.astimezone(UTC).strftime("D:%Y%m%d%H%M%S+00'00'")
    return created.strftime("D:%Y%m%d")


@lru_cache(maxsize=8)
def paragraph_styles(size: float) -> dict[str, ParagraphStyle]:
    leading = round(size * 1.32, 1)
    body = ParagraphStyle("body", fontName=FONT, fontSize=size, leading=leading, textColor=TEXT, spaceAfter=size * 0.55)
    return {
        "body": body,
        "box": ParagraphStyle("box", parent=body, spaceAfter=0),
        "alert": ParagraphStyle("alert", parent=body, spaceAfter=0),
        "small": ParagraphStyle("small", parent=body, fontSize=size - 1.5, leading=(size - 1.5) * 1.35, textColor=GREY),
        "heading": ParagraphStyle(
            "heading", parent=body, fontName=FONT + "-Bold", fontSize=size + 1.5, leading=(size + 1.5) * 1.25,
            textColor=BLUE, spaceBefore=size * 0.75, spaceAfter=size * 0.3,
        ),
        "subject": ParagraphStyle(
            "subject", parent=body, fontName=FONT + "-Bold", fontSize=size + 3, leading=(size + 3) * 1.25,
            textColor=BLUE, spaceAfter=size * 0.6,
        ),
        "service": ParagraphStyle(
            "service", parent=body, fontName=FONT + "-Bold", fontSize=15, leading=18, textColor=BLUE,
            alignment=TA_RIGHT, spaceAfter=2,
        ),
        "sender": ParagraphStyle(
            "sender", parent=body, fontSize=9, leading=11.5, textColor=GREY, alignment=TA_RIGHT, spaceAfter=0
        ),
        "address": ParagraphStyle("address", parent=body, spaceAfter=0),
        "cell": ParagraphStyle("cell", parent=body, fontSize=size - 1, leading=(size - 1) * 1.3, spaceAfter=0),
        "cell_head": ParagraphStyle(
            "cell_head", parent=body, fontName=FONT + "-Bold", fontSize=size - 1, leading=(size - 1) * 1.3,
            spaceAfter=0, textColor=TEXT,
        ),
        "label": ParagraphStyle("label", parent=body, textColor=GREY, spaceAfter=0),
        "value": ParagraphStyle("value", parent=body, fontName=FONT + "-Bold", spaceAfter=0),
    }  # fmt: skip


def render_pdf(content: LetterContent, created: date | datetime) -> tuple[bytes, int]:
    """The letter as PDF bytes, and its number of pages. ``created`` is the PDF's creation date: when
    the letter's event happened, as stored, so that building the same letter again gives the same bytes."""
    register_fonts()
    story = _story(content, paragraph_styles(content.font_size))
    return render_story(story, title=content.title, author=content.sender[0], later_pages=restore(content.later_pages),
                        footer=(restore(content.footer_left), content.footer_rules), page_label=content.page_label,
                        created=created)  # fmt: skip


def render_story(
    story: list[Flowable], *, title: str, author: str, later_pages: str, footer: tuple[str, str], page_label: str,
    created: date | datetime,
) -> tuple[bytes, int]:  # fmt: skip
    """Any document the letters draw (a letter, the meeting's minutes) as A4 PDF bytes, and its number
    of pages: ``later_pages`` heads every page after the first, ``footer`` (left, rules line) ends every
    page, and ``page_label`` ("Page {page} of {pages}") numbers them. Call ``register_fonts`` first."""
    buffer = io.BytesIO()
    pages: list[int] = []
    doc = BaseDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=LEFT,
        rightMargin=RIGHT,
        topMargin=TOP,
        bottomMargin=BOTTOM,
        invariant=1,
        title=title,
        author=author,
        creator="triage",
        producer="triage (reportlab)",
        subject=title,
        lang=LANGUAGE,
        # The canvas starts every page with a font selected; reportlab's default is Helvetica, which
        # would be referenced (and not embedded) though no text is set in it.
        initialFontName=FONT,
    )
    later_top = TOP + 8 * mm  # room for the name and NHS number on every later page
    # The footer is drawn when a page ends (onPageEnd), after the body: the content stream, and so a
    # screen reader or a text extraction, reads the letter before its footer.
    doc.addPageTemplates(
        [
            PageTemplate("first", [Frame(LEFT, BOTTOM, WIDTH, PAGE_H - TOP - BOTTOM, id="first", **_NO_PAD)],
                         onPageEnd=lambda c, d: _footer(c, *footer)),
            PageTemplate("later", [Frame(LEFT, BOTTOM, WIDTH, PAGE_H - later_top - BOTTOM, id="later", **_NO_PAD)],
                         onPage=lambda c, d: _later_page(c, later_pages), onPageEnd=lambda c, d: _footer(c, *footer)),
        ]
    )  # fmt: skip
    doc.build([NextPageTemplate("later"), *story], canvasmaker=_numbered_canvas(page_label, pages, pdf_date(created)))
    return buffer.getvalue(), pages[0]


_NO_PAD = {"leftPadding": 0, "rightPadding": 0, "topPadding": 0, "bottomPadding": 0}


def _numbered_canvas(page_label: str, pages: list[int], created: str) -> type[Canvas]:
    """A canvas that holds every page until the end, so each can say "Page N of M", and dates the PDF
    ``created`` (invariant mode would otherwise write 1 January 2000)."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._saved: list[dict[str, Any]] = []
            self.setDateFormatter(lambda *_invariant_stamp: created)

        def showPage(self) -> None:
            self._saved.append(dict(self.__dict__))
            self._startPage()  # type: ignore[attr-defined]  # reportlab's own page reset; types-reportlab omits it

        def save(self) -> None:
            total = len(self._saved)
            pages.append(total)
            for number, state in enumerate(self._saved, start=1):
                self.__dict__.update(state)
                self.setFillColor(GREY)
                draw_text(self, PAGE_W - RIGHT, 14 * mm, page_label.format(page=number, pages=total), 8.5,
                          right=True)  # fmt: skip
                super().showPage()
            super().save()

    return NumberedCanvas


def _footer(canvas: Canvas, left: str, rules: str) -> None:
    canvas.saveState()
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.5)
    canvas.line(LEFT, 18 * mm, PAGE_W - RIGHT, 18 * mm)
    canvas.setFillColor(GREY)
    draw_text(canvas, LEFT, 14 * mm, left, 8.5)
    draw_text(canvas, LEFT, 10 * mm, rules, 7.5)
    canvas.restoreState()


def _later_page(canvas: Canvas, text: str) -> None:
    # A page that comes apart from the first must still say whose it is (at its top, read first).
    canvas.saveState()
    canvas.setFillColor(GREY)
    y = PAGE_H - TOP - 2 * mm
    draw_text(canvas, LEFT, y, text, 8.5)
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.5)
    canvas.line(LEFT, y - 2.5 * mm, PAGE_W - RIGHT, y - 2.5 * mm)
    canvas.restoreState()


def table_style(commands: list[tuple[Any, ...]]) -> TableStyle:
    # A table selects its cells' font before drawing each, even a Paragraph or an empty cell: without
    # this it selects Helvetica, which the PDF would then reference without embedding it.
    return TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT), *commands])


def _story(content: LetterContent, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    story: list[Flowable] = _letterhead(content, styles)
    story.append(para(content.subject, styles["subject"]))
    story.append(_identity(content, styles))
    story.append(Spacer(1, content.font_size * 0.9))
    if content.salutation:
        story.append(para(content.salutation, styles["body"]))
    last = 2 if len(content.parts) > 1 and _leads_a_list(content.parts, len(content.parts) - 2) else 1
    body = content.parts[:-last]
    for index, part in enumerate(body):
        if part.kind == "heading":
            story.append(CondPageBreak(30 * mm))  # a heading never ends a page
        if part.kind == "bullets" and index and _leads_a_list(body, index - 1):
            # A list's lead-in ("We cannot help with") never ends a page: it is kept with the first
            # item. Only the first: the whole list kept together could push the crisis numbers of a
            # patient copy off its first page.
            story[-1] = KeepTogether([story[-1], _bullets(part.items[:1], styles)])
            if len(part.items) > 1:
                story.append(_bullets(part.items[1:], styles))
            continue
        story.append(_part(part, styles))
    # The sign-off never stands alone on a page: it is kept with the part before it (a short table
    # too, whole; a short list with its lead-in), and the copy line with it.
    sign_off = [_part(part, styles, keep=False) for part in content.parts[-last:]]
    sign_off += [para(content.closing, styles["body"]), Spacer(1, SIGNATURE_SPACE)]
    sign_off += [para(line, styles["address"]) for line in content.signature]
    if content.copy_to:
        sign_off += [Spacer(1, content.font_size * 0.6), para(content.copy_to, styles["small"])]
    story.append(KeepTogether(sign_off))
    return story


SIGNATURE_SPACE = 8 * mm  # between the closing and the signer's name


def _break_at_hyphen(text: str, longest: int = 20) -> str:
    """A long reference (a referral id is a UUID) over two lines at the hyphen nearest its middle,
    rather than split mid-word where the narrow column happens to end."""
    if len(text) <= longest or "-" not in text:
        return text
    middle = len(text) / 2
    cut = min((i for i, ch in enumerate(text) if ch == "-"), key=lambda i: abs(i - middle))
    return text[: cut + 1] + "<br/>" + text[cut + 1 :]


def _letterhead(content: LetterContent, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    service, *details = content.sender
    head: list[Flowable] = [para(service, styles["service"])]
    head += [para(line, styles["sender"]) for line in details]
    recipient = [para(line, styles["address"]) for line in content.recipient]
    dated = Table(
        [[para(label, styles["label"]), Paragraph(_break_at_hyphen(markup(value, styles["address"])), styles["address"])]
         for label, value in content.dated],
        colWidths=[28 * mm, 42 * mm],
        style=table_style([("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                          ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                          ("VALIGN", (0, 0), (-1, -1), "TOP")]),
    )  # fmt: skip
    # The recipient sits where a left-hand window envelope shows it (about 45 mm from the top).
    header_height = sum(f.wrap(WIDTH, PAGE_H)[1] for f in head)
    gap = max(4 * mm, 27 * mm - header_height)
    address = Table(
        [[recipient, dated]],
        colWidths=[WIDTH - 72 * mm, 72 * mm],
        style=table_style([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                          ("RIGHTPADDING", (0, 0), (-1, -1), 0), ("TOPPADDING", (0, 0), (-1, -1), 0),
                          ("BOTTOMPADDING", (0, 0), (-1, -1), 0), ("LEFTPADDING", (1, 0), (1, 0), 2 * mm)]),
    )  # fmt: skip
    return [*head, Spacer(1, gap), address, Spacer(1, 7 * mm)]


def _identity(content: LetterContent, styles: dict[str, ParagraphStyle]) -> Flowable:
    """Who the letter is about, in a shaded panel: short items two to a row, long ones a row each."""
    size = styles["label"].fontSize
    label_w = max(pdfmetrics.stringWidth(label, FONT, size) for label, _ in content.identity) + 10 * mm
    half = WIDTH / 2
    rows: list[list[Any]] = []
    spans: list[int] = []
    pending: list[Any] = []
    for label, value in content.identity:
        cells = [para(label, styles["label"]), para(value, styles["value"])]
        if len(value) > 34:
            if pending:
                rows.append(pending + ["", ""])
                pending = []
            spans.append(len(rows))
            rows.append(cells + ["", ""])
        elif pending:
            rows.append(pending + cells)
            pending = []
        else:
            pending = cells
    if pending:
        rows.append(pending + ["", ""])
    commands: list[tuple[Any, ...]] = [
        ("BACKGROUND", (0, 0), (-1, -1), PALE),
        ("LINEBEFORE", (0, 0), (0, -1), 3, BLUE),
        ("LEFTPADDING", (0, 0), (0, -1), 4 * mm),
        ("TOPPADDING", (0, 0), (-1, 0), 2.5 * mm),
        ("BOTTOMPADDING", (0, -1), (-1, -1), 2.5 * mm),
        ("TOPPADDING", (0, 1), (-1, -1), 0.6 * mm),
        ("BOTTOMPADDING", (0, 0), (-1, -2), 0.6 * mm),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    commands += [("SPAN", (1, row), (3, row)) for row in spans]
    return Table(
        rows, colWidths=[label_w, half - label_w, label_w, half - label_w], hAlign="LEFT", style=table_style(commands)
    )


def _part(part: Part, styles: dict[str, ParagraphStyle], *, keep: bool = True) -> Flowable:
    """One part of the body. ``keep``: a short table is kept whole on its page (False: it goes into
    a KeepTogether of the caller's, which would not measure a nested one)."""
    if part.kind == "heading":
        return para(part.text, styles["heading"])
    if part.kind == "paragraph":
        if part.style in ("box", "alert"):
            return _callout(para(part.text, styles[part.style]), part.style, styles)
        return para(part.text, styles[part.style])
    if part.kind == "bullets":
        return _bullets(part.items, styles)
    return _table(part, styles, keep=keep)


def _leads_a_list(parts: tuple[Part, ...] | list[Part], index: int) -> bool:
    return parts[index].kind == "paragraph" and index + 1 < len(parts) and parts[index + 1].kind == "bullets"


def _bullets(items: tuple[str, ...] | list[str], styles: dict[str, ParagraphStyle]) -> Flowable:
    listed = [ListItem(para(item, styles["body"]), leftIndent=5 * mm) for item in items]
    return ListFlowable(
        listed,  # type: ignore[arg-type]  # reportlab takes ListItems here; types-reportlab allows only flowables
        bulletType="bullet", start="•", leftIndent=5 * mm, bulletFontName=FONT, bulletColor=BLUE,
    )  # fmt: skip


def _callout(paragraph: Paragraph, style: str, styles: dict[str, ParagraphStyle]) -> Flowable:
    bar, fill = (BLUE, PALE_BLUE) if style == "box" else (WARM_YELLOW, PALE_YELLOW)
    pad = styles["body"].fontSize * 0.55
    return Table(
        [[paragraph]],
        colWidths=[WIDTH],
        hAlign="LEFT",
        spaceAfter=styles["body"].spaceAfter,
        style=table_style([
            ("BACKGROUND", (0, 0), (-1, -1), fill),
            ("LINEBEFORE", (0, 0), (0, -1), 4, bar),
            ("LEFTPADDING", (0, 0), (-1, -1), 4 * mm),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3 * mm),
            ("TOPPADDING", (0, 0), (-1, -1), pad),
            ("BOTTOMPADDING", (0, 0), (-1, -1), pad + 1),
        ]),
    )  # fmt: skip


_COLUMNS: dict[str, list[float]] = {
    "scores": [70 * mm, 30 * mm, WIDTH - 100 * mm],
    "ratings": [66 * mm, 18 * mm, 60 * mm, WIDTH - 144 * mm],
    "criteria": [34 * mm, 17 * mm, WIDTH - 81 * mm, 30 * mm],
    "interventions": [WIDTH - 45 * mm, 45 * mm],
}


def _table(part: Part, styles: dict[str, ParagraphStyle], *, keep: bool = True) -> Flowable:
    table = data_table(part.rows, _COLUMNS[part.table], styles, strong_rows=part.strong_rows)
    if part.table == "criteria" or not keep:
        return table  # long (verbatim definitions): may split, its header repeats
    return KeepTogether([table])  # a short table reads badly split over two pages


def data_table(
    rows: Sequence[Sequence[str]], widths: list[float], styles: dict[str, ParagraphStyle], *,
    strong_rows: Sequence[int] = (),
) -> Table:  # fmt: skip
    """A table as the letters draw one: the first row its header, repeated on each page the table
    spans; every cell's text wraps in its column; a ``strong_rows`` row is bold on pale yellow."""
    head, cell = styles["cell_head"], styles["cell"]
    cells = [[para(text, head if index == 0 or index in strong_rows else cell) for text in row]
             for index, row in enumerate(rows)]  # fmt: skip
    commands: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, 0), 1, BLUE),
        ("LINEBELOW", (0, 1), (-1, -1), 0.4, RULE),
        ("LEFTPADDING", (0, 0), (-1, -1), 1.5 * mm),
        ("RIGHTPADDING", (0, 0), (-1, -1), 1.5 * mm),
        ("TOPPADDING", (0, 0), (-1, -1), 0.8 * mm),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.2 * mm),
    ]
    commands += [("BACKGROUND", (0, i), (-1, i), PALE_YELLOW) for i in strong_rows]
    return Table(
        cells,
        colWidths=widths,
        hAlign="LEFT",
        repeatRows=1,
        spaceBefore=1 * mm,
        spaceAfter=styles["body"].spaceAfter * 1.5,
        style=table_style(commands),
    )
