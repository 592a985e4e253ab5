"""The referral meeting's minutes as a PDF (issue 16, item 5), drawn with the letter machinery: their
text against a golden file (tests/letters/golden/minutes/, regenerated with TRIAGE_REGENERATE_GOLDEN=1
as the letters' goldens are, test_golden.py), a long meeting over several pages with the cases' table
header repeated and "Page N of M", cases by reference only, every script a guest's name is written in
printed as typed (not as boxes) in embedded fonts, and "None" under an empty heading."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pypdf
import pytest
import yaml
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth

from tests.letters.cases import GOLDEN, golden_text, matches_golden, page_texts
from tests.letters.test_scripts import ARABIC, CYRILLIC, GREEK, IRISH, VIETNAMESE, WELSH, pdffonts, pdftotext
from triage.letters.fonts import FALLBACK, PRIMARY
from triage.letters.minutes import CASE_COLUMNS, Minutes, MinutesCase, render_minutes
from triage.letters.minutes_text import load_minutes_text
from triage.letters.render import FONT, LEFT, UnprintableText, markup, paragraph_styles
from triage.letters.templates import LetterTemplateError
from triage.resources import resource_path

MINUTES_GOLDEN = GOLDEN / "minutes"
RULESET = "doncaster-matrix 1.1.0 (active), sha256 3f2a9c0d41b7e5a6"
LONG_REASON = (
    "The team agreed that the person's difficulties have lasted more than two years, that two earlier courses "
    "of low-intensity treatment did not help, and that a step 3 therapist should see them first; the screener "
    "is to tell the GP that the waiting time for step 3 is about eleven weeks."
)


def case(number: int, **changes: object) -> MinutesCase:
    fields: dict[str, object] = {
        "reference": f"DON-{number:06d}", "outcome": "recommendation confirmed",
        "route_label": "Core IAPT: step 2", "reason": None, "action": None, "action_owner": None, "action_due": None,
    }  # fmt: skip
    fields.update(changes)
    return MinutesCase(**fields)  # type: ignore[arg-type]


def meeting(cases: tuple[MinutesCase, ...], deferred: tuple[MinutesCase, ...] = (), **changes: object) -> Minutes:
    fields: dict[str, object] = {
        "service_name": "Doncaster Talking Therapies", "meeting_id": "b7c1e2d4-5f60-4a8b-9c0d-1e2f3a4b5c6d",
        "held_on": date(2026, 12, 1), "chair": "Sam Leader",
        "attendees": ("Sam Leader", "Priya Shah", "Alex Morgan (guest)"), "cases": cases, "deferred": deferred,
        "ruleset": RULESET, "closed_at": datetime(2026, 12, 1, 11, 42, 5, tzinfo=UTC), "closed_by": "Sam Leader",
    }  # fmt: skip
    fields.update(changes)
    return Minutes(**fields)  # type: ignore[arg-type]


def sample() -> Minutes:
    """The meeting of the golden file: one case confirmed, one changed with a long reason, one asked
    for more information (an action with an owner and a date), and one deferred."""
    return meeting(
        (
            case(101),
            case(102, outcome="another route or step chosen", route_label="Core IAPT: step 3", reason=LONG_REASON),
            case(103, outcome="more information asked for", route_label=None,
                 reason="Ask the GP whether the CMHT discharged them", action="Ask the GP for the CMHT discharge letter",
                 action_owner="Priya Shah", action_due=date(2026, 12, 8)),
        ),
        deferred=(case(104, outcome="deferred", route_label=None, reason="The screener is away; present next week"),),
    )  # fmt: skip


def test_the_minutes_text_matches_the_golden_file() -> None:
    actual = golden_text(page_texts(render_minutes(sample())))
    matches_golden(MINUTES_GOLDEN / "sample.txt", actual, "minutes")


def test_the_minutes_say_what_the_brief_lists_in_order() -> None:
    text = " ".join(page_texts(render_minutes(sample())))
    order = ["Doncaster Talking Therapies", "Referral meeting minutes", "Date 1 December 2026", "Chair Sam Leader",
             "Attendees Sam Leader, Priya Shah, Alex Morgan (guest)", "Cases taken, in order",
             "Reference Outcome Route or step Reason", "DON-000101", "DON-000102", "DON-000103", "Actions",
             "Ask the GP for the CMHT discharge letter Priya Shah 8 December 2026", "Deferred cases",
             "DON-000104 The screener is away; present next week", "Ruleset in force", RULESET,
             "Closed on 1 December 2026 at 11:42 UTC by Sam Leader."]  # fmt: skip
    positions = [text.find(piece) for piece in order]
    assert -1 not in positions, [piece for piece, at in zip(order, positions, strict=True) if at == -1]
    assert positions == sorted(positions)


def test_the_same_minutes_give_the_same_bytes_dated_when_the_meeting_closed() -> None:
    pdf = render_minutes(sample())
    assert pdf == render_minutes(sample())
    info = pypdf.PdfReader(io.BytesIO(pdf)).metadata
    assert info is not None and info.creation_date == datetime(2026, 12, 1, 11, 42, 5, tzinfo=UTC)


def test_the_metadata_name_the_minutes_and_the_service_never_a_case() -> None:
    info = pypdf.PdfReader(io.BytesIO(render_minutes(sample()))).metadata
    assert info is not None
    assert info.title == "Referral meeting minutes" and info.author == "Doncaster Talking Therapies"
    assert not any("DON-" in str(value) for value in info.values())


def forty_cases() -> Minutes:
    return meeting(tuple(case(n, reason=LONG_REASON if n % 3 == 0 else None) for n in range(1, 41)))


def test_forty_cases_run_over_pages_numbered_with_the_table_header_repeated() -> None:
    pages = page_texts(render_minutes(forty_cases()))
    total = len(pages)
    assert total >= 3
    header = "Reference Outcome Route or step Reason"
    shown = [reference for reference in (f"DON-{n:06d}" for n in range(1, 41)) if reference in " ".join(pages)]
    assert len(shown) == 40  # none lost at a page break
    table_pages = [number for number, text in enumerate(pages, start=1) if re.search(r"DON-0000\d\d", text)]
    assert len(table_pages) >= 2
    for number in table_pages:
        text = pages[number - 1]
        assert header in text, f"page {number} continues the table without its header"
        assert text.index(header) < text.index(re.search(r"DON-0000\d\d", text).group())  # type: ignore[union-attr]
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {total}" in text
        if number > 1:  # a page that comes apart still says what it is
            assert text.startswith("Referral meeting minutes · Doncaster Talking Therapies · 1 December 2026")
    # Rows are never split across pages: each reference sits on exactly one page.
    for n in range(1, 41):
        assert sum(f"DON-{n:06d}" in text for text in pages) == 1


HEADINGS = ("Cases taken, in order", "Actions", "Deferred cases")


@pytest.mark.parametrize("count", range(14, 30))
def test_a_heading_and_its_table_header_never_end_a_page_without_a_row(count: int) -> None:
    # Ever more short cases put the actions' heading at every height of the page in turn; its first
    # action is long, so heading, header and that row need more room than a heading alone.
    cases = tuple(case(n, action=f"{LONG_REASON} {LONG_REASON}" if n == 1 else None, action_owner="Priya Shah",
                       action_due=date(2026, 12, 8)) for n in range(1, count + 1))  # fmt: skip
    for number, text in enumerate(page_texts(render_minutes(meeting(cases))), start=1):
        for heading in HEADINGS:
            if heading in text:
                after = text[text.index(heading) + len(heading) :]
                assert after.startswith(" None") or re.search(r"DON-\d{6}", after), f"{heading} ends page {number}"


def test_a_long_reason_wraps_within_its_column_and_is_printed_whole() -> None:
    pdf = render_minutes(sample())
    assert LONG_REASON in " ".join(page_texts(pdf))
    lines: list[tuple[float, float, str]] = []  # where each line of the reason starts on the page, and its text
    pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text(
        visitor_text=lambda t, cm, tm, fd, fs: lines.append((cm[4] + tm[4], cm[5] + tm[5], t.strip()))
        if len(t.strip()) > 8 and t.strip() in LONG_REASON else None
    )  # fmt: skip
    assert len({y for _, y, _ in lines}) >= 4  # wrapped over several lines
    column_left = LEFT + sum(CASE_COLUMNS[:-1])
    column_right = column_left + CASE_COLUMNS[-1]
    size = paragraph_styles(load_minutes_text().font_size)["cell"].fontSize
    for x, _, text in lines:
        assert column_left < x < column_left + 3 * mm, text  # each line starts in the reason column
        assert x + stringWidth(text, FONT, size) <= column_right, text  # and ends before its edge


def test_the_cases_table_names_cases_by_reference_only() -> None:
    minutes = sample()
    text = " ".join(page_texts(render_minutes(minutes)))
    rows = text[text.index("Cases taken, in order") : text.index("Actions")]
    typed = {c.reference for c in minutes.cases} | {c.outcome for c in minutes.cases}
    typed |= {c.route_label for c in minutes.cases if c.route_label} | {c.reason for c in minutes.cases if c.reason}
    rest = rows.replace("Cases taken, in order", "").replace("Reference Outcome Route or step Reason", "")
    for piece in sorted(typed, key=len, reverse=True):
        rest = rest.replace(piece, "")
    assert set(rest) <= {" ", "–"}, rest  # nothing in the table but what the cases carry: no name slipped in
    for c in minutes.cases:
        assert re.fullmatch(r"DON-\d{6}", c.reference)


GUESTS = (" ".join(VIETNAMESE), WELSH, IRISH, GREEK, CYRILLIC)


def test_a_guest_named_in_any_script_prints_as_typed_in_embedded_fonts(tmp_path: Path) -> None:
    attendees = ("Sam Leader", *(f"{name} (guest)" for name in GUESTS))
    pdf = render_minutes(meeting(sample().cases, attendees=attendees, chair=GREEK, closed_by=CYRILLIC))
    text = " ".join(pdftotext(pdf, tmp_path).split())
    for name in GUESTS:
        assert f"{name} (guest)" in text, name
    assert f"Chair {GREEK}" in text and f"by {CYRILLIC}." in text
    assert "\ufffd" not in text  # no character lost to a missing glyph
    families = {PRIMARY.name, FALLBACK.name}
    for name, embedded in pdffonts(pdf, tmp_path):
        assert embedded == "yes", name
        assert name.split("+")[-1].split("-")[0] in families, name  # never Helvetica


def test_a_name_no_bundled_font_draws_stops_the_minutes_rather_than_print_a_box() -> None:
    # The meeting refuses such a name when it is typed (triage/fields.py), as the letters do; should
    # one reach the minutes, they are not drawn with a missing-glyph box in place of a name.
    with pytest.raises(UnprintableText, match="U\\+0645"):
        render_minutes(meeting(sample().cases, attendees=("Sam Leader", f"{ARABIC} (guest)")))
    with pytest.raises(UnprintableText, match="U\\+0645"):  # a whole word of it, as a letter's text would be
        markup(f"Seen by {ARABIC}")


def test_typed_markup_is_printed_as_typed() -> None:
    pdf = render_minutes(meeting((case(1, reason="**not bold** [CMHT] & <b>"),), closed_by="A*B"))
    text = " ".join(page_texts(pdf))
    assert "**not bold** [CMHT] & <b>" in text and "by A*B." in text


def test_an_empty_list_says_none() -> None:
    pages = " ".join(page_texts(render_minutes(meeting((case(1),), deferred=()))))
    assert "Deferred cases None" in pages and "Actions None" in pages
    empty = " ".join(page_texts(render_minutes(meeting((), deferred=()))))
    assert "Cases taken, in order None" in empty


def test_the_minutes_wording_is_checked_at_load(tmp_path: Path) -> None:
    shipped = yaml.safe_load(resource_path("letters", "minutes.yaml").read_text(encoding="utf-8"))
    assert load_minutes_text().title == "Referral meeting minutes"
    for change, problem in [
        (lambda d: d.update(closed="Closed by {closed_by} in {room}"), "closed: unknown placeholder {room}"),
        (lambda d: d["headings"].pop("deferred"), "headings.deferred"),
        (lambda d: d.update(colour="blue"), "colour: unknown key"),
        (lambda d: d.update(cases_header=["Reference", "Outcome"]), "cases_header"),
    ]:
        document = yaml.safe_load(yaml.safe_dump(shipped))
        change(document)
        path = tmp_path / "minutes.yaml"
        path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
        with pytest.raises(LetterTemplateError) as raised:
            load_minutes_text(path)
        assert any(problem in p for p in raised.value.problems), raised.value.problems
