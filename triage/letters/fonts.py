"""The letters' fonts: the bundled families, in the order text is looked for in them, and what they draw.

Atkinson Hyperlegible sets the letters; it has Latin for English and the western European languages
only. Noto Sans (the fallback) adds the rest of Latin (Vietnamese, Welsh ŵ and ŷ), Greek and
Cyrillic. What each family can draw is read from its own font files' character maps, once per
process, so that input validation (triage/fields.py) refuses exactly what the letters cannot print
and never a hand-made list that could drift from the fonts.

Text is chosen a word at a time: a word the primary family draws whole is set in it; any other word
is set whole in the first family that draws every character of it, so a name reads in one typeface
rather than with one letter of another in its middle. Only a word no single family draws is split
per character. Nothing here imports reportlab until coverage is first needed (a non-ASCII text).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from triage.resources import resource_path

STYLES = ("normal", "bold", "italic", "boldItalic")


@dataclass(frozen=True)
class Family:
    """A font family as reportlab registers it: ``name`` is its normal face's registered name, and
    ``files`` the font file (in resources/fonts, without .ttf) of each style."""

    name: str
    files: dict[str, str]

    def face(self, style: str) -> str:
        """The registered font name of ``style``: the family name, with -Bold and so on after it; a
        style drawn with another style's file has that style's name."""
        first = next(other for other in STYLES if self.files[other] == self.files[style])
        return self.name + {"normal": "", "bold": "-Bold", "italic": "-Italic", "boldItalic": "-BoldItalic"}[first]


def style_of(bold: bool, italic: bool) -> str:
    return ("bold" if bold else "normal") if not italic else ("boldItalic" if bold else "italic")


PRIMARY = Family(
    "AtkinsonHyperlegible",
    {
        style: f"AtkinsonHyperlegible-{face}"
        for style, face in zip(STYLES, ("Regular", "Bold", "Italic", "BoldItalic"), strict=True)
    },
)
# The letters set nothing in italic, so only the upright faces are bundled (about 500 kB each): an
# italic fallback run is drawn upright, the right characters in the wrong slant, never a missing glyph.
FALLBACK = Family(
    "NotoSans",
    {
        "normal": "NotoSans-Regular",
        "bold": "NotoSans-Bold",
        "italic": "NotoSans-Regular",
        "boldItalic": "NotoSans-Bold",
    },
)
FAMILIES = (PRIMARY, FALLBACK)
_SPACES = re.compile(r"(\s+)")


def font_file(name: str) -> str:
    return str(resource_path("fonts", f"{name}.ttf"))


@lru_cache(maxsize=1)
def coverage() -> tuple[frozenset[str], ...]:
    """For each family (in FAMILIES order), the characters every one of its faces draws."""
    from reportlab.pdfbase.ttfonts import TTFontFace  # only when a text needs it

    covered = []
    for family in FAMILIES:
        faces = [TTFontFace(font_file(name)) for name in sorted(set(family.files.values()))]
        # A character mapped to glyph 0 (.notdef) would print as the missing-glyph box.
        common = set.intersection(*({chr(c) for c, g in face.charToGlyph.items() if g} for face in faces))
        covered.append(frozenset(common))
    return tuple(covered)


def normalised(text: str) -> str:
    """``text`` in NFC: the same letters, with a vowel and its accents as one character where Unicode
    has one (ễ typed as e and two combining marks), which the fonts draw as one designed glyph."""
    return unicodedata.normalize("NFC", text)


def unprintable_character(text: str) -> str | None:
    """The first character of ``text`` (in NFC) that no bundled family draws, or None."""
    if text.isascii():  # the primary font has all of printable ASCII (tests/letters/test_fonts.py)
        return None
    covered = coverage()
    for char in normalised(text):
        if not any(char in family for family in covered):
            return char
    return None


def runs(text: str) -> list[tuple[str, Family | None]]:
    """``text`` (already NFC) as runs of the family to set each in; None for a character no family
    draws. Spaces go with the run before them."""
    if text.isascii():
        return [(text, PRIMARY)] if text else []
    out: list[tuple[str, Family | None]] = []
    for piece in _SPACES.split(text):
        if not piece:
            continue
        if piece.isspace() and out:
            out[-1] = (out[-1][0] + piece, out[-1][1])
            continue
        for part, family in _word_runs(piece):
            if out and out[-1][1] is family:
                out[-1] = (out[-1][0] + part, family)
            else:
                out.append((part, family))
    return out


def _word_runs(word: str) -> list[tuple[str, Family | None]]:
    covered = coverage()
    for family, chars in zip(FAMILIES, covered, strict=True):
        if all(char in chars for char in word):
            return [(word, family)]
    return [
        (char, next((f for f, chars in zip(FAMILIES, covered, strict=True) if char in chars), None)) for char in word
    ]
