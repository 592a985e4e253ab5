"""Closed vocabularies of the store: checked by pydantic before a write and by CHECK constraints in
the database, so a value outside them can reach neither."""

from __future__ import annotations

from typing import Literal, get_args

ReferralSource = Literal[
    "gp",
    "self",
    "other_health_professional",
    "jobcentre",
    "occupational_health",
    "voluntary_sector",
    "other",
]
REFERRAL_SOURCES: tuple[ReferralSource, ...] = get_args(ReferralSource)

ReferralStatus = Literal["received", "contacted", "no_contact", "screened", "decided", "letter_sent", "closed"]
REFERRAL_STATUSES: tuple[ReferralStatus, ...] = get_args(ReferralStatus)

# The lifecycle. "Open" means every status but closed: a referral still needing work. Closing is
# possible from any open status (declined, moved away, duplicate resolved); a closed referral is never
# reopened -- a person who comes back is a new referral, linked to the old one through the person.
TRANSITIONS: dict[ReferralStatus, tuple[ReferralStatus, ...]] = {
    "received": ("contacted", "no_contact", "closed"),
    "no_contact": ("contacted", "closed"),
    "contacted": ("screened", "closed"),
    "screened": ("decided", "closed"),
    "decided": ("letter_sent", "screened", "closed"),  # back to screened when a re-screen is needed
    "letter_sent": ("closed",),
    "closed": (),
}
OPEN_STATUSES: tuple[ReferralStatus, ...] = tuple(s for s in REFERRAL_STATUSES if s != "closed")

# A referral that comes back from another service (the IAPT <-> CMHT "ping-pong", requirements.md 6.2).
ReturnedFrom = Literal["cmht", "crisis_team", "substance_misuse", "other_service"]
RETURNED_FROM: tuple[ReturnedFrom, ...] = get_args(ReturnedFrom)

InterventionOutcome = Literal["helpful", "partly_helpful", "unhelpful", "not_completed", "unknown"]
INTERVENTION_OUTCOMES: tuple[InterventionOutcome, ...] = get_args(InterventionOutcome)

AuditAction = Literal["create", "update", "decision", "letter", "import", "export", "attempted_deletion", "delete"]
AUDIT_ACTIONS: tuple[AuditAction, ...] = get_args(AuditAction)

EntityType = Literal["referral", "person", "screening", "decision", "draft", "gp_practice", "database"]
ENTITY_TYPES: tuple[EntityType, ...] = get_args(EntityType)


def sql_in(column: str, values: tuple[str, ...]) -> str:
    """The text of a CHECK constraint limiting ``column`` to ``values`` (our own constants, never input)."""
    return f"{column} IN ({', '.join(repr(v) for v in values)})"
