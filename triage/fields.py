"""Field rules shared by every input model (the store's inputs, the letter's particulars): one NHS
number check, one date rule, one postcode rule. Each raises a message naming the rule, never the
value, so a pydantic error built from it cannot leak what was typed."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from typing import Any

from nhs_number.validate import is_valid as nhs_number_is_valid

from triage.letters.fonts import unprintable_character

# Characters no identifier may hold (issue 13, item 18): controls (Cc: tabs, line breaks, U+0085),
# invisible format characters (Cf: the bidirectional overrides such as U+202E that can make a name read
# differently on a letter, zero-width spaces, soft hyphens), line and paragraph separators (Zl, Zp),
# and lone surrogates (Cs, which cannot be stored or printed). ZWNJ and ZWJ are format characters
# that Persian, Indic and other scripts need to spell a name correctly, so they are allowed.
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
SCRIPT_JOINERS = frozenset({"\u200c", "\u200d"})
# Bidirectional classes of right-to-left letters (Hebrew R, Arabic AL): a letter needs shaping and the
# bidi algorithm to print them, which it does not have (docs/letters.md), so they are refused by name.
RIGHT_TO_LEFT = frozenset({"R", "AL"})
UK_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")


def normalise_nhs_number(value: Any) -> Any:
    """Accept the display forms 943 476 5919 and 943-476-5919; anything not a string is left for the
    type check to refuse. A line separator or a control character is refused, not removed."""
    return re.sub(r"[\s-]", "", no_control_characters(value.strip())) if isinstance(value, str) else value


def check_nhs_number(value: str) -> str:
    if not re.fullmatch(r"[0-9]{10}", value):
        raise ValueError("must be 10 digits")
    if len(set(value)) == 1:  # 0000000000 passes the modulus 11 check but is never issued
        raise ValueError("is not an issued NHS number")
    if not nhs_number_is_valid(value):
        raise ValueError("fails the NHS number check digit")
    return value


def parse_iso_date(value: Any) -> Any:
    """Only a date or an ISO ``YYYY-MM-DD`` string: pydantic would otherwise read 1700000000 as a Unix
    time, and a two-digit year must never be guessed."""
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*[0-9]{4}-[0-9]{2}-[0-9]{2}\s*", value):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError("is not a real date") from None
    raise ValueError("must be a date written YYYY-MM-DD")


def refused_character(text: str) -> str | None:
    """The first character of ``text`` in REFUSED_CATEGORIES (joiners aside), or None."""
    if text.isprintable():  # the fast path: every refused category is unprintable
        return None
    for char in text:
        if char not in SCRIPT_JOINERS and unicodedata.category(char) in REFUSED_CATEGORIES:
            return char
    return None


def no_control_characters(value: str) -> str:
    """``value``, or a ValueError naming the refused character by its code point (never the value):
    a control or invisible formatting character, or one the letters cannot print (issue 14, item 7).
    Every identifier field (names, addresses, a practice, a signer) is printed on some letter, so the
    one check here refuses, as it is typed or imported, what would otherwise print as a box or wrongly."""
    char = refused_character(value)
    if char is not None:
        raise ValueError(
            f"must not contain control or invisible formatting characters such as line breaks, tabs or "
            f"direction overrides (it has U+{ord(char):04X})"
        )
    char = unprintable_character(value)
    if char is not None:
        raise ValueError(unprintable_message(char))
    return value


def unprintable_message(char: str) -> str:
    """Why ``char`` cannot be in a name or an address, and what can: never the value itself."""
    if unicodedata.bidirectional(char) in RIGHT_TO_LEFT:
        return (
            "cannot be printed on a letter: right-to-left writing (such as Arabic or Hebrew) is not yet "
            f"supported; type it in Latin letters (it has U+{ord(char):04X})"
        )
    return (
        "cannot be printed on a letter: its fonts have Latin (with Vietnamese and Welsh accents), Greek and "
        f"Cyrillic letters only (it has U+{ord(char):04X})"
    )


def no_control_characters_but_line_breaks(value: str) -> str:
    """As ``no_control_characters``, for text of several lines (an address): line feeds allowed."""
    no_control_characters(value.replace("\r\n", "\n").replace("\n", " "))
    return value


def normalise_password(password: str) -> str:
    """The form a password is hashed in: NFC, so that the same password typed on a keyboard or input
    method that composes accents differently (e + combining acute, or precomposed e-acute) matches."""
    return unicodedata.normalize("NFC", password)


def password_candidates(password: str) -> tuple[str, ...]:
    """The forms to try when checking a password, NFC first. A password set before passwords were
    normalised was hashed exactly as typed, so the typed form is tried too when it differs: nobody
    is locked out of an existing store, and the next password change stores the NFC hash."""
    normal = normalise_password(password)
    return (normal,) if normal == password else (normal, password)


def normalise_postcode(value: str) -> str:
    no_control_characters(value)
    match = UK_POSTCODE.match(re.sub(r"\s+", " ", value.upper()))
    if not match:
        raise ValueError("is not a UK postcode")
    return f"{match.group(1)} {match.group(2)}"


# A letter in any script: \w without digits and the underscore.
_LETTER = re.compile(r"[^\W\d_]")
MIN_LETTERS = 2


def has_words(text: str | None, minimum: int = MIN_LETTERS) -> bool:
    """Whether ``text`` says something: at least ``minimum`` letters, so that "." or "-" or "1" is not
    taken as a name, a role or an agreed action (live-call issue, defect 5)."""
    return text is not None and len(_LETTER.findall(text)) >= minimum


# What a screener types for a date on a call: 15/06/1980, 15/6/1980, 15-06-1980, 15.06.1980, or the
# eight digits 15061980 (only eight: 1121980 could be 11 Feb or 1 Dec).
UK_DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y")
UK_DATE_HELP = "must be a date written dd/mm/yyyy, e.g. 15/06/1980"


def parse_uk_date(text: str) -> date | None:
    """A UK date as typed, or None: the dialog then names the field in the form the placeholder
    shows, not in the ISO form the service's validator speaks of."""
    text = text.strip()
    layouts = ("%d%m%Y",) if text.isdigit() and len(text) == 8 else () if text.isdigit() else UK_DATE_FORMATS
    for layout in layouts:
        try:
            return datetime.strptime(text, layout).date()
        except ValueError:
            continue
    return None
