"""Field rules shared by every input model (the store's inputs, the letter's particulars): one NHS
number check, one date rule, one postcode rule. Each raises a message naming the rule, never the
value, so a pydantic error built from it cannot leak what was typed."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from nhs_number.validate import is_valid as nhs_number_is_valid

CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
UK_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")


def normalise_nhs_number(value: Any) -> Any:
    """Accept the display forms 943 476 5919 and 943-476-5919; anything not a string is left for the
    type check to refuse."""
    return re.sub(r"[\s-]", "", value) if isinstance(value, str) else value


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


def no_control_characters(value: str) -> str:
    if CONTROL_CHARACTERS.search(value):
        raise ValueError("must not contain control characters (such as line breaks)")
    return value


def normalise_postcode(value: str) -> str:
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
