"""The referral meeting's minutes as a PDF (issue 16, item 5), drawn with the letter machinery.

``Minutes`` is everything the minutes say, filled by the meeting service (services/meetings.py) when a
meeting closes; ``render_minutes`` draws it. Cases are named by reference only, never by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Spacer, Table

from triage.letters import render
from triage.letters.content import protect
from triage.letters.minutes_text import MinutesText, default_minutes_text
from triage.letters.placeholders import written_date
from triage.letters.templates import Common, default_templates


@dataclass(frozen=True, slots=True, repr=False)
class MinutesCase:
    """One case as the minutes record it: by reference only, never a name."""

    reference: str
    outcome: str  # as MEETING_OUTCOME_TEXT says it (the services phrase it)
    route_label: str | None  # the chosen route or outcome as the ruleset labels it, with its step
    reason: str | None
    action: str | None
    action_owner: str | None
    action_due: date | None


@dataclass(frozen=True, slots=True, repr=False)
class Minutes:
    """Everything the minutes PDF says, drawn by ``triage.letters.minutes.render_minutes``."""

    service_name: str  # the letterhead's service name (ServiceSettings)
    meeting_id: str
    held_on: date
    chair: str
    attendees: tuple[str, ...]  # display names, the chair first; guests marked "(guest)"
    cases: tuple[MinutesCase, ...]  # decided and asked-for cases, in the order taken
    deferred: tuple[MinutesCase, ...]  # the deferred cases, each with its reason
    ruleset: str  # "doncaster-matrix 1.1.0 (active), sha256 …": the ruleset in force
    closed_at: datetime
    closed_by: str


def render_minutes(minutes: Minutes, text: MinutesText | None = None) -> bytes:
    """The minutes as A4 PDF bytes, in the letters' fonts, styles, footer and page numbering; ``text``
    the wording (default: the shipped resources/letters/minutes.yaml). The same minutes give the same
    bytes: the PDF is dated when the meeting closed. Its metadata name the service, never a person
    the minutes are about. UnprintableText for a character no bundled font draws."""
    text = text or default_minutes_text()
    common = default_templates().common
    held_on = written_date(minutes.held_on, common)
    service = protect(minutes.service_name)
    render.register_fonts()
    styles = render.paragraph_styles(text.font_size)
    story = [
        render.para(service, styles["service"]),
        Spacer(1, 6 * mm),
        render.para(text.title, styles["subject"]),
        _details(minutes, text, held_on, styles),
    ]
    story += _section(text.headings.cases, _case_rows(minutes.cases, text), CASE_COLUMNS, text, styles)
    story += _section(text.headings.actions, _action_rows(minutes.cases, text, common), ACTION_COLUMNS, text, styles)
    deferred = [[protect(case.reference), protect(case.reason or text.not_recorded)] for case in minutes.deferred]
    story += _section(text.headings.deferred, [text.deferred_header, *deferred], DEFERRED_COLUMNS, text, styles)
    story += _paragraph_section(text.headings.ruleset, protect(minutes.ruleset), styles)
    closed = text.closed.format(closed_on=written_date(minutes.closed_at.astimezone(UTC).date(), common),
                                closed_time=minutes.closed_at.astimezone(UTC).strftime("%H:%M"),
                                closed_by=protect(minutes.closed_by))  # fmt: skip
    story += _paragraph_section(text.headings.closed, closed, styles)
    pdf, _ = render.render_story(
        story,
        title=text.title,
        author=minutes.service_name,
        later_pages=text.later_pages.format(service_name=minutes.service_name, held_on=held_on),
        footer=(text.footer_left.format(service_name=minutes.service_name, held_on=held_on, meeting_id=minutes.meeting_id),
                text.footer_rules),
        page_label=common.labels.page,
        created=minutes.closed_at,
    )  # fmt: skip
    return pdf


# The tables' columns, of the letters' text width (170 mm): a reason wraps in the widest.
CASE_COLUMNS = [27 * mm, 46 * mm, 36 * mm, 61 * mm]
ACTION_COLUMNS = [27 * mm, 79 * mm, 30 * mm, 34 * mm]
DEFERRED_COLUMNS = [27 * mm, 143 * mm]

Styles = dict[str, ParagraphStyle]


def _details(minutes: Minutes, text: MinutesText, held_on: str, styles: Styles) -> Flowable:
    """When the meeting was held, who chaired it and who was there, in a shaded panel as a letter's
    identity panel is."""
    labels = text.details
    rows = [(labels.date, held_on), (labels.chair, protect(minutes.chair)),
            (labels.attendees, ", ".join(protect(name) for name in minutes.attendees)),
            (labels.meeting, protect(minutes.meeting_id))]  # fmt: skip
    return Table(
        [[render.para(label, styles["label"]), render.para(value, styles["value"])] for label, value in rows],
        colWidths=[32 * mm, render.WIDTH - 32 * mm],
        hAlign="LEFT",
        spaceAfter=text.font_size * 0.6,
        style=render.table_style([
            ("BACKGROUND", (0, 0), (-1, -1), render.PALE),
            ("LINEBEFORE", (0, 0), (0, -1), 3, render.BLUE),
            ("LEFTPADDING", (0, 0), (0, -1), 4 * mm),
            ("TOPPADDING", (0, 0), (-1, 0), 2.5 * mm),
            ("BOTTOMPADDING", (0, -1), (-1, -1), 2.5 * mm),
            ("TOPPADDING", (0, 1), (-1, -1), 0.6 * mm),
            ("BOTTOMPADDING", (0, 0), (-1, -2), 0.6 * mm),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]),
    )  # fmt: skip


def _case_rows(cases: tuple[MinutesCase, ...], text: MinutesText) -> list[list[str]]:
    dash = text.not_recorded
    rows = [[protect(c.reference), protect(c.outcome), protect(c.route_label or dash), protect(c.reason or dash)]
            for c in cases]  # fmt: skip
    return [text.cases_header, *rows]


def _action_rows(cases: tuple[MinutesCase, ...], text: MinutesText, common: Common) -> list[list[str]]:
    dash = text.not_recorded
    rows = [[protect(c.reference), protect(c.action), protect(c.action_owner or dash),
             written_date(c.action_due, common) if c.action_due else dash]
            for c in cases if c.action]  # fmt: skip
    return [text.actions_header, *rows]


def _section(
    heading: str, rows: list[list[str]], widths: list[float], text: MinutesText, styles: Styles
) -> list[Flowable]:
    """A heading and its table (which may run over pages, its header repeated), or "None" when the
    table has no rows. The heading never ends a page, nor the table's header: both start a page
    with at least the first row, however long its reason."""
    if len(rows) == 1:
        return _paragraph_section(heading, text.none, styles)
    title = render.para(heading, styles["heading"])
    start = [title, render.data_table(rows[:2], widths, styles)]
    needed = sum(part.wrap(render.WIDTH, render.PAGE_H)[1] + part.getSpaceBefore() for part in start)
    return [CondPageBreak(needed + styles["heading"].spaceAfter), title, render.data_table(rows, widths, styles)]


def _paragraph_section(heading: str, body: str, styles: Styles) -> list[Flowable]:
    return [
        CondPageBreak(30 * mm),
        KeepTogether([render.para(heading, styles["heading"]), render.para(body, styles["body"])]),
    ]
