"""Who a decided referral's letters go to, for the letter dialog (issue 14, items 4 and 5).

The GP letter goes to the referring GP the referral names. Without one it does not leave the service
until a person names the GP (from the practice's GPs in the directory, or typed) or chooses, on the
record, to address it to the practice; ``address_gp_letter`` stores either, audited. The patient copy
can be posted only to a postal address (address lines and a postcode); without one it can still be
saved as a PDF, which says it has no postal address.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import TypeAdapter, ValidationError

from triage.services.inputs import InvalidInput, Name
from triage.services.permissions import User, require
from triage.services.referrals import load_referral
from triage.store.audit import record_event
from triage.store.database import Store
from triage.store.types import utc_now

NO_POSTAL_ADDRESS = (
    "This patient copy cannot be printed for post: the referral has no postal address (address lines and a "
    "postcode). Add the address to the referral, or save it as a PDF, which says it has no postal address."
)
_NAME = TypeAdapter(Name)


@dataclass(frozen=True, slots=True)
class Addressing:
    """What the letter dialog needs to know before a letter leaves (no patient identifiers)."""

    referral_id: str
    reference: str
    referring_gp: str | None
    to_practice: bool  # the recorded choice: no GP named, the letter goes to the practice
    practice_gps: tuple[str, ...]  # the practice's GPs in the directory, to choose from
    postal_address: bool

    @property
    def gp_settled(self) -> bool:
        """A GP letter may leave: a GP is named, or the practice was chosen on the record."""
        return self.referring_gp is not None or self.to_practice


def letter_addressing(store: Store, user: User, referral_id: str) -> Addressing:
    """``view_referral`` (the letter dialog has already recorded its view of the referral)."""
    require(user, "view_referral", store=store)
    with store.read() as session:
        referral = load_referral(session, referral_id)
        practice = referral.gp_practice
        return Addressing(
            referral_id=referral.id,
            reference=referral.reference,
            referring_gp=referral.referring_gp,
            to_practice=referral.letter_to_practice,
            practice_gps=tuple(practice.gp_names) if practice else (),
            postal_address=bool(referral.address_line1 and referral.postcode),
        )


def address_gp_letter(store: Store, user: User, referral_id: str, gp: str | None) -> None:
    """Record who the GP letter goes to: the GP named (``gp``), or, with ``gp`` None, the practice by an
    explicit choice. ``print_letter``; audited by what was chosen, never the name."""
    require(user, "print_letter", store=store)
    name: str | None = None
    if gp is not None:
        try:
            name = _NAME.validate_python(gp)
        except ValidationError:
            raise InvalidInput(["referring_gp: the GP's name, 1 to 100 characters on one line"]) from None
    with store.write() as session:
        referral = load_referral(session, referral_id)
        referral.referring_gp, referral.letter_to_practice = name, name is None
        referral.updated_at = utc_now()
        session.flush()
        summary = ("letter addressee: referring GP named when the GP letter was sent" if name else
                   "letter addressee: no GP named; the GP letter addressed to the practice by choice")  # fmt: skip
        record_event(session, actor=user.username, entity_type="referral", entity_id=referral.id, action="update",
                     summary=summary)  # fmt: skip
