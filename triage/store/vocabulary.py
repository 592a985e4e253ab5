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

# The journey before the screening (issue 15 item 1; docs/journey.md): the opt-in offered (how and
# when), the person opting in, and each attempt to reach them with its outcome. "reached" is contact
# made: it moves a referral received (or with no contact yet) to contacted; any other outcome moves a
# received referral to no contact.
ContactKind = Literal["opt_in_offered", "opted_in", "attempt"]
CONTACT_KINDS: tuple[ContactKind, ...] = get_args(ContactKind)
ContactChannel = Literal["telephone", "text_message", "letter", "email", "online", "in_person"]
CONTACT_CHANNELS: tuple[ContactChannel, ...] = get_args(ContactChannel)
ContactOutcome = Literal["reached", "no_answer", "voicemail_left", "message_sent", "wrong_number"]
CONTACT_OUTCOMES: tuple[ContactOutcome, ...] = get_args(ContactOutcome)

# Why a referral was closed: one of these, and free text (required for "other"; never audited).
CloseReason = Literal[
    "referred_on", "treatment_started", "declined", "no_contact", "not_suitable", "moved_away", "duplicate", "other"
]  # fmt: skip
CLOSE_REASONS: tuple[CloseReason, ...] = get_args(CloseReason)

# A referral that comes back from another service (the IAPT <-> CMHT "ping-pong", requirements.md 6.2).
ReturnedFrom = Literal["cmht", "crisis_team", "substance_misuse", "other_service"]
RETURNED_FROM: tuple[ReturnedFrom, ...] = get_args(ReturnedFrom)

# Why a referral was inappropriate, by category (issue 15 item 6; requirements.md 9.37; seed
# 002:1857-1878, 1923-1932, 2091-2093): kept with the referrer, so a service can count them by referrer
# and feed back to GPs and partners what it can and cannot help with.
InappropriateReason = Literal[
    "substance_dependency", "needs_secondary_care", "outside_remit", "not_consented", "missing_information", "other"
]  # fmt: skip
INAPPROPRIATE_REASONS: tuple[InappropriateReason, ...] = get_args(InappropriateReason)

InterventionOutcome = Literal["helpful", "partly_helpful", "unhelpful", "not_completed", "unknown"]
INTERVENTION_OUTCOMES: tuple[InterventionOutcome, ...] = get_args(InterventionOutcome)
# Where a previous intervention was had, and at which step (issue 15, item 7: the stepping history).
# Stored in the screening's JSON (screening.previous_interventions), so no CHECK constraint holds it.
InterventionStep = Literal["iapt_step_2", "iapt_step_3", "outside_iapt"]
INTERVENTION_STEPS: tuple[InterventionStep, ...] = get_args(InterventionStep)

# The four risk questions every screening asks, in the form's order (RiskDetails has one field each).
RiskQuestion = Literal["thoughts", "intent", "plan", "history"]
RISK_QUESTIONS: tuple[RiskQuestion, ...] = get_args(RiskQuestion)

# Letters (triage/letters: KINDS, repeated here so the store does not import the letters; a test
# checks the two stay equal). Each row of the letter table is one event: the letter was generated
# (built and shown), or it left the service, printed or saved as a PDF file.
LetterKind = Literal["gp", "patient", "referral-on"]
LETTER_KINDS: tuple[LetterKind, ...] = get_args(LetterKind)
LetterEvent = Literal["generated", "printed", "saved"]
LETTER_EVENTS: tuple[LetterEvent, ...] = get_args(LetterEvent)

# A correction of a person's identifiers, mistyped (issue 15, item 9): which one, and why, by category.
IdentityField = Literal["given_name", "family_name", "date_of_birth", "nhs_number"]
IDENTITY_FIELDS: tuple[IdentityField, ...] = get_args(IdentityField)
CorrectionReason = Literal["typing_error", "confirmed_with_person", "gp_record", "other"]
CORRECTION_REASONS: tuple[CorrectionReason, ...] = get_args(CorrectionReason)
# Why two records were found to be one person and merged by a team leader (issue 15, item 9).
MergeReason = Literal["confirmed_with_person", "gp_record", "nhs_number_mistyped", "other"]
MERGE_REASONS: tuple[MergeReason, ...] = get_args(MergeReason)

AuditAction = Literal[
    "create", "update", "decision", "letter", "import", "export", "attempted_deletion", "delete",
    # issue 6: access, not just writes; logins and locks; refusals
    "view", "search", "print", "login", "login_failed", "logout", "lock", "unlock", "account_locked",
    "account_unlocked", "password_change", "permission_denied",
]  # fmt: skip
AUDIT_ACTIONS: tuple[AuditAction, ...] = get_args(AuditAction)

EntityType = Literal[
    "referral", "person", "screening", "decision", "draft", "gp_practice", "database", "user_account", "audit_trail",
    "meeting",  # issue 16: a referral meeting opened, run and closed (migration 0015)
]  # fmt: skip
ENTITY_TYPES: tuple[EntityType, ...] = get_args(EntityType)


# The referral meeting (issue 16; repeated from services/meeting_types.py so the store does not import
# the services; a test checks the two stay equal): why a referral waits for the team, and what the
# meeting did with a case.
QueueReasonCode = Literal["high_risk", "several_services", "override", "returned_service", "supervision", "sent"]
QUEUE_REASON_CODES: tuple[QueueReasonCode, ...] = get_args(QueueReasonCode)
MeetingOutcomeCode = Literal["confirmed", "changed", "deferred", "more_info"]
MEETING_OUTCOME_CODES: tuple[MeetingOutcomeCode, ...] = get_args(MeetingOutcomeCode)


def sql_in(column: str, values: tuple[str, ...]) -> str:
    """The text of a CHECK constraint limiting ``column`` to ``values`` (our own constants, never input)."""
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


# The service manager (migration 0019) runs the reports and exports: no screening, no deciding.
Role = Literal["pwp", "team_leader", "admin", "service_manager"]
ROLES: tuple[Role, ...] = get_args(Role)
