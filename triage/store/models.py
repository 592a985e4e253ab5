"""The store's tables as typed SQLAlchemy 2 ORM classes.

The schema itself is made only by the Alembic migrations in ``triage/store/migrations``; a test
checks that these classes and the migrated schema agree.

Patient identifiers live on Person (one row per NHS number) and the contact details as received on
Referral. ``__repr__`` never shows them, so a stray log line or traceback cannot leak them.
"""

# Long on purpose: the whole schema in one module, read beside the migrations and docs/design.md's
# diagram, where every foreign key's target is in view; split, the tables would import each other.
from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from triage.rules.outcomes import OUTCOME_KINDS
from triage.rules.vocabulary import LEVELS, PROBLEM_DESCRIPTORS, ROUTES
from triage.store.types import JsonDoc, UtcDateTime, utc_now
from triage.store.vocabulary import (
    AUDIT_ACTIONS,
    CLOSE_REASONS,
    CONTACT_CHANNELS,
    CONTACT_KINDS,
    CONTACT_OUTCOMES,
    CORRECTION_REASONS,
    ENTITY_TYPES,
    IDENTITY_FIELDS,
    INAPPROPRIATE_REASONS,
    LETTER_EVENTS,
    LETTER_KINDS,
    MEETING_OUTCOME_CODES,
    MERGE_REASONS,
    REFERRAL_SOURCES,
    REFERRAL_STATUSES,
    RETURNED_FROM,
    ROLES,
    sql_in,
)

# Named constraints: Alembic's batch mode on SQLite needs names to alter them later.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

GENESIS_HASH = "0" * 64


def new_id() -> str:
    return str(uuid.uuid4())


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)

    def __repr__(self) -> str:
        key = getattr(self, "id", None) or getattr(self, "code", None) or getattr(self, "referral_id", None)
        return f"<{type(self).__name__} {key}>"


class GpPractice(Base):
    """The practice directory: where referrers work and where letters go."""

    __tablename__ = "gp_practice"

    code: Mapped[str] = mapped_column(String(10), primary_key=True)  # ODS code, e.g. C84001
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(Text, default="")
    gp_names: Mapped[list[str]] = mapped_column(JsonDoc, default=list)


def person_names(given_name: str, family_name: str) -> dict[str, str]:
    """A person's names with the search keys the referral list reads (case-folded, indexed): the one
    way every write of a name, ORM or multi-row, fills ``name_key`` and ``given_key``."""
    return {"given_name": given_name, "family_name": family_name, "name_key": family_name.casefold(),
            "given_key": given_name.casefold()}  # fmt: skip


class Person(Base):
    __tablename__ = "person"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    nhs_number: Mapped[str] = mapped_column(String(10), unique=True)
    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    # Case-folded family name, indexed for "search by name prefix" on both databases.
    name_key: Mapped[str] = mapped_column(String(100))
    # The given name case-folded, as name_key is the family name's: the list's search by a given name
    # reads an index (migration 0017); every write of a name writes its key (``person_names``).
    given_key: Mapped[str] = mapped_column(String(100), server_default="")
    date_of_birth: Mapped[date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Set when a team leader merged this record into another found to be the same person (migration
    # 0020, services/merges.py): its referrals moved there; the row is kept, so the merge can be undone.
    merged_into_id: Mapped[str | None] = mapped_column(ForeignKey("person.id"))

    referrals: Mapped[list[Referral]] = relationship(back_populates="person", order_by="Referral.received_on")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_person_name_key", "name_key", postgresql_ops={"name_key": "varchar_pattern_ops"}),
        Index("ix_person_name_key_id", "name_key", "id"),  # the referral list sorted by family name
        Index("ix_person_date_of_birth", "date_of_birth"),  # the list's search by a date of birth (0017)
        Index("ix_person_given_key", "given_key", postgresql_ops={"given_key": "varchar_pattern_ops"}),
    )


class Referral(Base):
    __tablename__ = "referral"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    received_on: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default="received")
    phone: Mapped[str | None] = mapped_column(String(20))
    postcode: Mapped[str | None] = mapped_column(String(10))
    interpreter_language: Mapped[str | None] = mapped_column(String(60))
    gp_practice_code: Mapped[str | None] = mapped_column(ForeignKey("gp_practice.code"))
    notes: Mapped[str | None] = mapped_column(Text)
    # Set when this referral arrived while another for the same person was still open.
    duplicate_of_id: Mapped[str | None] = mapped_column(ForeignKey("referral.id"), index=True)
    returned_from: Mapped[str | None] = mapped_column(String(20))
    # The patient's postal address (the postcode above is its last line), for the patient copy, and
    # who the GP letter goes to: the referring GP by name, or the practice by a recorded choice
    # (migration 0009; issue 14 items 4 and 5).
    address_line1: Mapped[str | None] = mapped_column(String(100))
    address_line2: Mapped[str | None] = mapped_column(String(100))
    address_line3: Mapped[str | None] = mapped_column(String(100))
    referring_gp: Mapped[str | None] = mapped_column(String(100))
    letter_to_practice: Mapped[bool] = mapped_column(Boolean, default=False)
    # The service reference read on the telephone, e.g. DON-000123: the store's prefix and a number
    # from its counter (``ReferenceCounter``), unique in the store; kept when a referral is moved.
    reference: Mapped[str] = mapped_column(String(20))
    # The latest confirmed decision's route and step, kept here by confirm_decision in the same
    # transaction, so the referral list filters and sorts by route in the database (migration 0003).
    # A code of the ``destination`` table, so any outcome of a ruleset in force (migration 0013).
    current_route: Mapped[str | None] = mapped_column(ForeignKey("destination.code"))
    current_step: Mapped[int | None] = mapped_column(Integer)
    # The journey's dates (migration 0012, docs/journey.md), kept here by services/journey.py in the
    # transaction that records them, so the list flags waits in the database: the first opt-in, the
    # first contact made (the date on this computer's clock), the treatment start where known; and why
    # the referral was closed (a CLOSE_REASONS code and free text, which never reaches the audit trail).
    opted_in_on: Mapped[date | None] = mapped_column(Date)
    first_contact_on: Mapped[date | None] = mapped_column(Date)
    treatment_started_on: Mapped[date | None] = mapped_column(Date)
    closed_reason: Mapped[str | None] = mapped_column(String(20))
    closed_note: Mapped[str | None] = mapped_column(Text)
    # The one team the referral belongs to, NULL: the whole service's (every referral before migration
    # 0016); and the clinician it is assigned to (services/teams.py sets both, audited).
    team_code: Mapped[str | None] = mapped_column(ForeignKey("team.code"), index=True)
    assigned_to: Mapped[str | None] = mapped_column(ForeignKey("user_account.username"), index=True)
    # The inappropriate-referral flag (migration 0018, services/journey.py): why, by category, who made
    # the referral (the referrer the service feeds back to), free text, and who flagged it. All NULL:
    # not flagged. The reason and the referrer are set together (a CHECK says so).
    inappropriate_reason: Mapped[str | None] = mapped_column(String(30))
    inappropriate_referrer: Mapped[str | None] = mapped_column(String(100))
    inappropriate_note: Mapped[str | None] = mapped_column(Text)
    inappropriate_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    version: Mapped[int] = mapped_column(Integer, default=1)

    person: Mapped[Person] = relationship(back_populates="referrals")
    gp_practice: Mapped[GpPractice | None] = relationship()
    status_changes: Mapped[list[StatusChange]] = relationship(
        back_populates="referral", order_by="StatusChange.id", cascade="save-update, merge"
    )
    screenings: Mapped[list[Screening]] = relationship(back_populates="referral", order_by="Screening.screened_at")
    decisions: Mapped[list[Decision]] = relationship(back_populates="referral", order_by="Decision.decided_at")
    duplicate_of: Mapped[Referral | None] = relationship(remote_side=[id])
    contacts: Mapped[list[ContactEvent]] = relationship(order_by="ContactEvent.occurred_at, ContactEvent.id")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint(sql_in("source", REFERRAL_SOURCES), name="source"),
        CheckConstraint(sql_in("status", REFERRAL_STATUSES), name="status"),
        CheckConstraint(f"returned_from IS NULL OR {sql_in('returned_from', RETURNED_FROM)}", name="returned_from"),
        Index("ix_referral_status_received", "status", "received_on"),
        CheckConstraint("current_step IS NULL OR current_step IN (2, 3)", name="current_step"),
        # The referral list's orders (key, then id): see services/referral_list.py.
        Index("ix_referral_received_on_id", "received_on", "id"),
        Index("ix_referral_status_id", "status", "id"),
        Index("ix_referral_route_id", "current_route", "id"),
        Index("ix_referral_person_id_id", "person_id", "id"),
        Index("uq_referral_reference", "reference", unique=True),
        CheckConstraint(f"closed_reason IS NULL OR {sql_in('closed_reason', CLOSE_REASONS)}", name="closed_reason"),
        CheckConstraint(
            f"inappropriate_reason IS NULL OR {sql_in('inappropriate_reason', INAPPROPRIATE_REASONS)}",
            name="inappropriate_reason",
        ),
        CheckConstraint(
            "(inappropriate_reason IS NULL) = (inappropriate_referrer IS NULL)", name="inappropriate_referrer"
        ),
        # The list's "over target" filter for the treatment wait: not started, open, received by a date.
        Index("ix_referral_treatment_status_received", "treatment_started_on", "status", "received_on"),
    )

    @property
    def address_lines(self) -> tuple[str, ...]:
        """The postal address lines given, without the postcode."""
        return tuple(line for line in (self.address_line1, self.address_line2, self.address_line3) if line)


class StatusChange(Base):
    """One step of a referral's lifecycle, with when and who: the dated history of its status."""

    __tablename__ = "referral_status_change"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    referral_id: Mapped[str] = mapped_column(ForeignKey("referral.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    actor: Mapped[str] = mapped_column(String(100))

    referral: Mapped[Referral] = relationship(back_populates="status_changes")

    __table_args__ = (CheckConstraint(sql_in("status", REFERRAL_STATUSES), name="status"),)


class ContactEvent(Base):
    """One step of reaching the person (migration 0012): the opt-in offered, the person opting in, or
    an attempt to reach them, with when (date and time), the channel and, for an attempt, its outcome."""

    __tablename__ = "contact_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    referral_id: Mapped[str] = mapped_column(ForeignKey("referral.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    channel: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str | None] = mapped_column(String(20))
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)

    __table_args__ = (
        CheckConstraint(sql_in("kind", CONTACT_KINDS), name="kind"),
        CheckConstraint(sql_in("channel", CONTACT_CHANNELS), name="channel"),
        CheckConstraint(f"outcome IS NULL OR {sql_in('outcome', CONTACT_OUTCOMES)}", name="outcome"),
        # an attempt always has its outcome; an offer or an opt-in has none
        CheckConstraint("(kind = 'attempt') = (outcome IS NOT NULL)", name="attempt_outcome"),
    )


class Screening(Base):
    """Every answer of one telephone screening, as recorded."""

    __tablename__ = "screening"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    referral_id: Mapped[str] = mapped_column(ForeignKey("referral.id"), index=True)
    screened_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    screened_by: Mapped[str] = mapped_column(String(100))
    phq9: Mapped[list[int]] = mapped_column(JsonDoc)  # nine item answers 0-3
    gad7: Mapped[list[int]] = mapped_column(JsonDoc)  # seven item answers 0-3
    wsas: Mapped[list[int] | None] = mapped_column(JsonDoc)  # five item answers 0-8, or not asked
    chronicity: Mapped[str] = mapped_column(String(10))
    complexity: Mapped[str] = mapped_column(String(10))
    impairment: Mapped[str] = mapped_column(String(10))
    substance_use: Mapped[str] = mapped_column(String(10))
    risk: Mapped[str] = mapped_column(String(10))
    rating_notes: Mapped[dict[str, str]] = mapped_column(JsonDoc, default=dict)  # variable -> free text
    risk_details: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)  # thoughts, intent, plan, ...
    long_term_conditions: Mapped[list[str]] = mapped_column(JsonDoc, default=list)
    medically_unexplained_symptoms: Mapped[bool] = mapped_column(Boolean, default=False)
    # The kinds of MUS ticked, names from resources/conditions.yaml (migration 0006).
    mus_kinds: Mapped[list[str]] = mapped_column(JsonDoc, default=list)
    problem_descriptor: Mapped[str | None] = mapped_column(String(40))
    previous_interventions: Mapped[list[dict[str, str]]] = mapped_column(JsonDoc, default=list)
    # Issue 15, item 7 (migration 0014): the other problems (codes), the supervision flag, and the
    # assessment's access needs, circumstances, goals and choice record (services.assessment.Assessment).
    secondary_descriptors: Mapped[list[str]] = mapped_column(JsonDoc, default=list)
    discuss_in_supervision: Mapped[bool] = mapped_column(Boolean, default=False)
    assessment: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)

    referral: Mapped[Referral] = relationship(back_populates="screenings")

    __table_args__ = tuple(
        CheckConstraint(sql_in(variable, LEVELS), name=variable)
        for variable in ("chronicity", "complexity", "impairment", "substance_use", "risk")
    ) + (
        CheckConstraint(
            f"problem_descriptor IS NULL OR {sql_in('problem_descriptor', PROBLEM_DESCRIPTORS)}",
            name="problem_descriptor",
        ),
    )


# The screening table's own columns; every other column holds one answer of the screening, under the
# name of the services' ScreeningInput field it stores (``answer_columns``, ``stored_answers``).
SCREENING_STORE_COLUMNS = frozenset({"id", "referral_id", "screened_at", "screened_by"})


def screening_answer_columns() -> frozenset[str]:
    return frozenset(Screening.__table__.columns.keys()) - SCREENING_STORE_COLUMNS


def answer_columns(answers: Mapping[str, Any]) -> dict[str, Any]:
    """A screening's answers (JSON-shaped, by field name) as the screening's answer columns, one for one.
    An answer with no column, or a column with no answer, is a TypeError naming them: a column's
    default would otherwise hide an answer dropped on the way (as the kinds of MUS once were)."""
    columns = screening_answer_columns()
    unmapped, unanswered = set(answers) - columns, columns - set(answers)
    if unmapped or unanswered:
        raise TypeError(f"screening answers without a column: {', '.join(sorted(unmapped)) or 'none'}; "
                        f"columns without an answer: {', '.join(sorted(unanswered)) or 'none'}")  # fmt: skip
    return dict(answers)


def stored_answers(screening: Screening) -> dict[str, Any]:
    """Every answer column of a stored screening, by name: what ``answer_columns`` was given."""
    return {name: getattr(screening, name) for name in sorted(screening_answer_columns())}


class Destination(Base):
    """Every outcome code a decision may store: the rulesets' outcome lists, written here by the
    decision service before a decision names one (so the foreign keys on ``decision.confirmed_route``
    and ``referral.current_route`` follow the rulesets, not a fixed list). Never deleted: old
    decisions keep naming their codes."""

    __tablename__ = "destination"

    code: Mapped[str] = mapped_column(String(30), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(String(200))

    __table_args__ = (CheckConstraint(sql_in("kind", OUTCOME_KINDS), name="kind"),)

    def __repr__(self) -> str:
        return f"Destination({self.code!r}, {self.kind!r})"


class Decision(Base):
    """What the engine recommended under which ruleset, and what a person confirmed."""

    __tablename__ = "decision"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    referral_id: Mapped[str] = mapped_column(ForeignKey("referral.id"), index=True)
    screening_id: Mapped[str] = mapped_column(ForeignKey("screening.id"))
    ruleset_id: Mapped[str] = mapped_column(String(100))
    ruleset_version: Mapped[str] = mapped_column(String(50))
    ruleset_sha256: Mapped[str] = mapped_column(String(64))
    routing: Mapped[dict[str, Any]] = mapped_column(JsonDoc)  # Routing.to_contract(), as the engine returned it
    matched_rules: Mapped[dict[str, list[str]]] = mapped_column(JsonDoc)  # Routing.matched
    recommended_route: Mapped[str] = mapped_column(String(30))
    recommended_step: Mapped[int | None] = mapped_column(Integer)
    # The outcome confirmed: a matrix route, a discharge or a local service, by its code in the
    # ``destination`` table (migration 0013), which follows the rulesets decisions were made under.
    confirmed_route: Mapped[str] = mapped_column(ForeignKey("destination.code"))
    confirmed_step: Mapped[int | None] = mapped_column(Integer)
    override_reason: Mapped[str | None] = mapped_column(Text)
    warnings_acknowledged: Mapped[bool] = mapped_column(Boolean, default=False)
    # Taken by the team in the referral meeting (a team leader's confirm_in_meeting): the patient copy
    # says "our team talked about your situation together" only then.
    in_meeting: Mapped[bool] = mapped_column(Boolean, default=False)
    # The ruleset's criterion that applied, for an outcome that lists criteria ("not suitable").
    outcome_criterion: Mapped[str | None] = mapped_column(String(40))
    # Why the matrix points again to a service that returned this person before (the ping-pong record).
    return_rationale: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(100))
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    # The referral meeting it was taken in (migration 0015; issue 16), and the locked meeting decision a
    # later decision changes: a closed meeting's decisions are never edited, a new one refers back.
    meeting_id: Mapped[str | None] = mapped_column(ForeignKey("meeting.id"))
    revises_id: Mapped[str | None] = mapped_column(ForeignKey("decision.id"))

    referral: Mapped[Referral] = relationship(back_populates="decisions")
    screening: Mapped[Screening] = relationship()

    __table_args__ = (
        CheckConstraint(sql_in("recommended_route", ROUTES), name="recommended_route"),
        # Defence in depth for the service's rule: an override always carries its reason.
        CheckConstraint("confirmed_route = recommended_route OR override_reason IS NOT NULL", name="override_reason"),
    )


class Draft(Base):
    """An in-progress screening, saved as the screener types; one per referral."""

    __tablename__ = "draft"

    referral_id: Mapped[str] = mapped_column(ForeignKey("referral.id"), primary_key=True)
    actor: Mapped[str] = mapped_column(String(100))
    saved_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    section: Mapped[str | None] = mapped_column(String(60))
    payload: Mapped[str] = mapped_column(Text)  # canonical JSON text of the form's state


class AuditEvent(Base):
    """Append-only (database triggers refuse UPDATE and DELETE) and hash-chained."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(100))
    entity_type: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(20))
    summary: Mapped[str] = mapped_column(Text)  # field names and counts, never patient identifiers
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The key (AuditKey.key_id) that signed it and "first-last:signature" over events first..last
    # (triage.store.signing); both empty on events written before signing began (migration 0007).
    signed_by: Mapped[str | None] = mapped_column(String(32))
    signature: Mapped[str | None] = mapped_column(String(120))

    __table_args__ = (
        CheckConstraint(sql_in("action", AUDIT_ACTIONS), name="action"),
        CheckConstraint(sql_in("entity_type", ENTITY_TYPES), name="entity_type"),
        Index("ix_audit_event_entity", "entity_type", "entity_id"),
    )


class AuditHead(Base):
    """The chain's newest link, kept in the same transaction as each append: a hash chain alone cannot
    show that its last rows were cut off, a head that no longer matches can."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1
    last_event_id: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))
    event_count: Mapped[int] = mapped_column(Integer)

    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)


class AuditKey(Base):
    """A user's Ed25519 audit-signing public key (migration 0007). ``key_id`` is the hex SHA-256 of the
    raw public key, cut to 32 digits (its fingerprint). A key is retired, never deleted, when a password
    is set by someone else (the old private key cannot be unwrapped any more): old events still verify
    against it. ``sealed``: on a PostgreSQL team store, the private key sealed under the user's password
    (a local store keeps it in the user's wrap in the key file instead)."""

    __tablename__ = "audit_key"

    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    username: Mapped[str] = mapped_column(String(100), index=True)
    public_key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    retired_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    sealed: Mapped[str | None] = mapped_column(Text)


class AuditCountersign(Base):
    """An admin's signature of the chain head (event ``event_id`` and its hash), made at each admin
    login and each backup: once made, no event up to ``event_id`` can be changed, re-signed or
    removed without it no longer matching. Never changed or deleted (database guards)."""

    __tablename__ = "audit_countersign"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(Integer)
    chain_hash: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str] = mapped_column(ForeignKey("audit_key.key_id"))
    reason: Mapped[str] = mapped_column(String(20))
    signed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    signature: Mapped[str] = mapped_column(String(100))


class LetterRecord(Base):
    """One letter event, never changed or deleted: a letter built from a decision ("generated"), or a
    letter that left the service ("printed", "saved"). The PDF itself is not kept: its sha256 is, and
    the same inputs always build the same bytes, so the hash identifies the letter exactly."""

    __tablename__ = "letter"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    referral_id: Mapped[str] = mapped_column(ForeignKey("referral.id"), index=True)
    decision_id: Mapped[str] = mapped_column(ForeignKey("decision.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    event: Mapped[str] = mapped_column(String(10))
    sha256: Mapped[str] = mapped_column(String(64))
    pages: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)

    __table_args__ = (
        CheckConstraint(sql_in("kind", LETTER_KINDS), name="kind"),
        CheckConstraint(sql_in("event", LETTER_EVENTS), name="event"),
        CheckConstraint("pages > 0", name="pages"),
    )


class IdentityCorrection(Base):
    """One identifier of a person corrected, never changed or deleted: the value it had and the value
    it was given, why (a category and the words typed), by whom and when (issue 15, item 9). The
    audit trail has the field and the category only; the values stay here, in the store."""

    __tablename__ = "identity_correction"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    referral_id: Mapped[str] = mapped_column(ForeignKey("referral.id"))  # the record it was corrected from
    field: Mapped[str] = mapped_column(String(20))
    old_value: Mapped[str] = mapped_column(String(100))
    new_value: Mapped[str] = mapped_column(String(100))
    reason_category: Mapped[str] = mapped_column(String(30))
    reason: Mapped[str] = mapped_column(String(500))
    corrected_by: Mapped[str] = mapped_column(String(100))
    corrected_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)

    __table_args__ = (
        CheckConstraint(sql_in("field", IDENTITY_FIELDS), name="field"),
        CheckConstraint(sql_in("reason_category", CORRECTION_REASONS), name="reason_category"),
    )


class PersonMerge(Base):
    """Two records found to be one person, merged by a team leader (issue 15, item 9): the person kept,
    the person merged into it (kept too, marked ``merged_into_id``), exactly which referrals moved,
    why (a category and the words typed), by whom and when; and, once, its undoing. Never deleted."""

    __tablename__ = "person_merge"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kept_person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    merged_person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    referral_ids: Mapped[list[str]] = mapped_column(JsonDoc)  # the referrals moved, which an undo moves back
    reason_category: Mapped[str] = mapped_column(String(30))
    reason: Mapped[str] = mapped_column(String(500))
    merged_by: Mapped[str] = mapped_column(String(100))
    merged_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    undone_by: Mapped[str | None] = mapped_column(String(100))
    undone_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    undo_reason: Mapped[str | None] = mapped_column(String(500))

    __table_args__ = (
        CheckConstraint(sql_in("reason_category", MERGE_REASONS), name="reason_category"),
        CheckConstraint("kept_person_id <> merged_person_id", name="two_people"),
        CheckConstraint(
            "(undone_at IS NULL) = (undone_by IS NULL) AND (undone_at IS NULL) = (undo_reason IS NULL)", name="undone"
        ),  # fmt: skip
    )


class UserAccount(Base):
    """A person who can log in (issue 6). ``username`` is stored case-folded. The password hash is
    argon2id (argon2-cffi's PasswordHasher, parameters inside the hash). A removed user is disabled,
    never deleted: the audit trail names them. On PostgreSQL the failed-login count and lockout live
    here; a local (SQLCipher) store keeps them beside the key file, since a wrong password cannot
    open the database to write them (see triage/services/login.py)."""

    __tablename__ = "user_account"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    disabled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The username of the team leader who supervises this account (migration 0015; issue 16 item 6):
    # whose "discuss in supervision" queue its flagged screenings join. NULL: no supervisor.
    supervisor: Mapped[str | None] = mapped_column(String(100))

    __table_args__ = (CheckConstraint(sql_in("role", ROLES), name="role"),)


class ReferenceCounter(Base):
    """One row: this store's reference prefix (three capital letters, different for every store whose
    referrals may meet) and the last number given. A referral's number is taken by incrementing
    ``last_number`` inside the transaction that adds it, and writes are serialised (SQLite's BEGIN
    IMMEDIATE, PostgreSQL's write lock), so two processes never get the same one."""

    __tablename__ = "reference_counter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1
    prefix: Mapped[str] = mapped_column(String(3))
    last_number: Mapped[int] = mapped_column(Integer)

    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)


class StoreIdentity(Base):
    """One row: the id that binds a local store to its key file (the key file records the same id)."""

    __tablename__ = "store_identity"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1
    database_id: Mapped[str] = mapped_column(String(64))

    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)


class ServiceSetting(Base):
    """One of the service's settings (migration 0010), the same on every computer that opens the store:
    ``name`` is a field of ``triage.settings.ServiceSettings``, ``value`` its canonical JSON. A field
    without a row has its default, so a later setting needs no migration."""

    __tablename__ = "service_setting"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    changed_by: Mapped[str] = mapped_column(String(100))
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


class ServiceRuleset(Base):
    """A ruleset file's text, kept by the store when an admin puts it in force (migration 0010), so every
    computer routes by it and old decisions replay under it after another is chosen. Keyed by the
    ruleset's content hash (``Ruleset.sha256``, as decisions record it)."""

    __tablename__ = "service_ruleset"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    ruleset_id: Mapped[str] = mapped_column(String(100))
    version: Mapped[str] = mapped_column(String(60))
    text: Mapped[str] = mapped_column(Text)
    added_by: Mapped[str] = mapped_column(String(100))
    added_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


# --- the referral meeting (migration 0015; issue 16) ----------------------------------------------


class Meeting(Base):
    """One referral meeting: when, who chaired it (an account or a guest), who opened and closed it.
    Once closed (``closed_at`` set) its items are locked, and the minutes PDF is kept with its sha256."""

    __tablename__ = "meeting"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    held_on: Mapped[date] = mapped_column(Date)
    chair_username: Mapped[str | None] = mapped_column(String(100))
    chair_guest: Mapped[str | None] = mapped_column(String(100))
    opened_by: Mapped[str] = mapped_column(String(100))
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closed_by: Mapped[str | None] = mapped_column(String(100))
    minutes_pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    minutes_sha256: Mapped[str | None] = mapped_column(String(64))

    attendees: Mapped[list[MeetingAttendee]] = relationship(order_by="MeetingAttendee.position")
    items: Mapped[list[MeetingItem]] = relationship(order_by="MeetingItem.id")

    __table_args__ = (
        CheckConstraint("(chair_username IS NULL) <> (chair_guest IS NULL)", name="one_chair"),
        # closed means closed by someone, with its minutes: never half
        CheckConstraint("(closed_at IS NULL) = (closed_by IS NULL)", name="closed_by"),
        CheckConstraint("(closed_at IS NULL) = (minutes_pdf IS NULL)", name="minutes_pdf"),
        CheckConstraint("(closed_at IS NULL) = (minutes_sha256 IS NULL)", name="minutes_sha256"),
        Index("ix_meeting_closed_at", "closed_at"),
    )


class MeetingAttendee(Base):
    """Someone at a meeting besides the chair, in the order listed: an account or a guest by name."""

    __tablename__ = "meeting_attendee"

    meeting_id: Mapped[str] = mapped_column(ForeignKey("meeting.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str | None] = mapped_column(String(100))
    guest_name: Mapped[str | None] = mapped_column(String(100))

    __table_args__ = (
        CheckConstraint("(username IS NULL) <> (guest_name IS NULL)", name="one_name"),
        CheckConstraint("position > 0", name="position"),
    )

    def __repr__(self) -> str:
        return f"<MeetingAttendee {self.meeting_id} {self.position}>"


class MeetingItem(Base):
    """One outcome of one case in a meeting: confirmed or changed (with the decision taken), deferred
    (with the reason) or more information asked for (what, from whom, by when)."""

    __tablename__ = "meeting_item"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    meeting_id: Mapped[str] = mapped_column(ForeignKey("meeting.id"), index=True)
    referral_id: Mapped[str] = mapped_column(ForeignKey("referral.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(20))
    decision_id: Mapped[str | None] = mapped_column(ForeignKey("decision.id"))
    route: Mapped[str | None] = mapped_column(ForeignKey("destination.code"))
    step: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(Text)
    action_owner: Mapped[str | None] = mapped_column(String(200))
    action_due: Mapped[date | None] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)

    __table_args__ = (
        CheckConstraint(sql_in("outcome", MEETING_OUTCOME_CODES), name="outcome"),
        # a confirmed or changed route is a decision; deferring or asking is not
        CheckConstraint("(outcome IN ('confirmed', 'changed')) = (decision_id IS NOT NULL)", name="decision"),
        CheckConstraint("(outcome IN ('confirmed', 'changed')) = (route IS NOT NULL)", name="route"),
        CheckConstraint("outcome = 'confirmed' OR reason IS NOT NULL", name="reason"),
        CheckConstraint(
            "(outcome = 'more_info') = (action_owner IS NOT NULL AND action_due IS NOT NULL)", name="action"
        ),
    )


class MeetingQueueEntry(Base):
    """A referral waiting for the team: why (QUEUE_REASON_CODES, derived by services/meeting_queue.py
    from its latest screening and decision, plus "sent"), where it stands in the order a team leader
    arranged, since when, and what a PWP asked or a meeting deferred or asked for."""

    __tablename__ = "meeting_queue_entry"

    referral_id: Mapped[str] = mapped_column(ForeignKey("referral.id"), primary_key=True)
    reasons: Mapped[list[str]] = mapped_column(JsonDoc)
    position: Mapped[int] = mapped_column(Integer)
    joined_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    sent_by: Mapped[str | None] = mapped_column(String(100))
    question: Mapped[str | None] = mapped_column(Text)
    deferred_reason: Mapped[str | None] = mapped_column(Text)
    information_asked: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint("position > 0", name="position"),
        CheckConstraint("(sent_by IS NULL) = (question IS NULL)", name="sent_question"),
        Index("ix_meeting_queue_entry_position", "position"),
    )


# Both databases have ltrim(text, characters): nothing is left once every allowed character is trimmed.
TEAM_CODE_CHECK = "length(code) BETWEEN 2 AND 20 AND ltrim(code, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-') = ''"


class Team(Base):
    """A team of the service (migration 0016; issue 15 item 4): accounts belong to one or more, a
    referral to at most one. A team leader's meeting queue holds their teams' referrals and the
    service's (no team); see services/teams.py."""

    __tablename__ = "team"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)

    __table_args__ = (CheckConstraint(TEAM_CODE_CHECK, name="code"),)


class TeamMember(Base):
    """One account in one team."""

    __tablename__ = "team_member"

    team_code: Mapped[str] = mapped_column(ForeignKey("team.code"), primary_key=True)
    username: Mapped[str] = mapped_column(ForeignKey("user_account.username"), primary_key=True, index=True)
