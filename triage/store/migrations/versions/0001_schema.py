"""The store's first schema: referrals, people, screenings, decisions, drafts, audit trail.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from triage.store.types import JsonDoc, UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("occurred_at", UtcDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("entity_type", sa.String(length=20), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint(
            "action IN ('create', 'update', 'decision', 'letter', 'import', 'export', 'attempted_deletion', 'delete')",
            name=op.f("ck_audit_event_action"),
        ),
        sa.CheckConstraint(
            "entity_type IN ('referral', 'person', 'screening', 'decision', 'draft', 'gp_practice', 'database')",
            name=op.f("ck_audit_event_entity_type"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
        sa.UniqueConstraint("hash", name=op.f("uq_audit_event_hash")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index("ix_audit_event_entity", ["entity_type", "entity_id"], unique=False)

    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_event_id", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_audit_head_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    op.create_table(
        "gp_practice",
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("gp_names", JsonDoc, nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_gp_practice")),
    )
    op.create_table(
        "person",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("nhs_number", sa.String(length=10), nullable=False),
        sa.Column("given_name", sa.String(length=100), nullable=False),
        sa.Column("family_name", sa.String(length=100), nullable=False),
        sa.Column("name_key", sa.String(length=100), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person")),
        sa.UniqueConstraint("nhs_number", name=op.f("uq_person_nhs_number")),
    )
    with op.batch_alter_table("person", schema=None) as batch_op:
        # varchar_pattern_ops lets PostgreSQL use the index for LIKE 'prefix%' under any collation.
        batch_op.create_index(
            "ix_person_name_key", ["name_key"], unique=False, postgresql_ops={"name_key": "varchar_pattern_ops"}
        )

    op.create_table(
        "referral",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("postcode", sa.String(length=10), nullable=True),
        sa.Column("interpreter_language", sa.String(length=60), nullable=True),
        sa.Column("gp_practice_code", sa.String(length=10), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("duplicate_of_id", sa.String(length=36), nullable=True),
        sa.Column("returned_from", sa.String(length=20), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "returned_from IS NULL OR returned_from IN ('cmht', 'crisis_team', 'substance_misuse', 'other_service')",
            name=op.f("ck_referral_returned_from"),
        ),
        sa.CheckConstraint(
            "source IN ('gp', 'self', 'other_health_professional', 'jobcentre', 'occupational_health', 'voluntary_sector', 'other')",
            name=op.f("ck_referral_source"),
        ),
        sa.CheckConstraint(
            "status IN ('received', 'contacted', 'no_contact', 'screened', 'decided', 'letter_sent', 'closed')",
            name=op.f("ck_referral_status"),
        ),
        sa.ForeignKeyConstraint(
            ["duplicate_of_id"], ["referral.id"], name=op.f("fk_referral_duplicate_of_id_referral")
        ),
        sa.ForeignKeyConstraint(
            ["gp_practice_code"], ["gp_practice.code"], name=op.f("fk_referral_gp_practice_code_gp_practice")
        ),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_referral_person_id_person")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral")),
    )
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_referral_duplicate_of_id"), ["duplicate_of_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_referral_person_id"), ["person_id"], unique=False)
        batch_op.create_index("ix_referral_status_received", ["status", "received_on"], unique=False)

    op.create_table(
        "draft",
        sa.Column("referral_id", sa.String(length=36), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("saved_at", UtcDateTime(), nullable=False),
        sa.Column("section", sa.String(length=60), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["referral_id"], ["referral.id"], name=op.f("fk_draft_referral_id_referral")),
        sa.PrimaryKeyConstraint("referral_id", name=op.f("pk_draft")),
    )
    op.create_table(
        "referral_status_change",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("referral_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("changed_at", UtcDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.CheckConstraint(
            "status IN ('received', 'contacted', 'no_contact', 'screened', 'decided', 'letter_sent', 'closed')",
            name=op.f("ck_referral_status_change_status"),
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["referral.id"], name=op.f("fk_referral_status_change_referral_id_referral")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_status_change")),
    )
    with op.batch_alter_table("referral_status_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_referral_status_change_referral_id"), ["referral_id"], unique=False)

    op.create_table(
        "screening",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("referral_id", sa.String(length=36), nullable=False),
        sa.Column("screened_at", UtcDateTime(), nullable=False),
        sa.Column("screened_by", sa.String(length=100), nullable=False),
        sa.Column("phq9", JsonDoc, nullable=False),
        sa.Column("gad7", JsonDoc, nullable=False),
        sa.Column("wsas", JsonDoc, nullable=True),
        sa.Column("chronicity", sa.String(length=10), nullable=False),
        sa.Column("complexity", sa.String(length=10), nullable=False),
        sa.Column("impairment", sa.String(length=10), nullable=False),
        sa.Column("substance_use", sa.String(length=10), nullable=False),
        sa.Column("risk", sa.String(length=10), nullable=False),
        sa.Column("rating_notes", JsonDoc, nullable=False),
        sa.Column("risk_details", JsonDoc, nullable=False),
        sa.Column("long_term_conditions", JsonDoc, nullable=False),
        sa.Column("medically_unexplained_symptoms", sa.Boolean(), nullable=False),
        sa.Column("problem_descriptor", sa.String(length=40), nullable=True),
        sa.Column("previous_interventions", JsonDoc, nullable=False),
        sa.CheckConstraint("chronicity IN ('low', 'medium', 'high')", name=op.f("ck_screening_chronicity")),
        sa.CheckConstraint("complexity IN ('low', 'medium', 'high')", name=op.f("ck_screening_complexity")),
        sa.CheckConstraint("impairment IN ('low', 'medium', 'high')", name=op.f("ck_screening_impairment")),
        sa.CheckConstraint(
            "problem_descriptor IS NULL OR problem_descriptor IN ('depression', 'gad', 'panic', 'agoraphobia', 'social_anxiety', 'specific_phobia', 'ocd', 'ptsd', 'health_anxiety', 'mixed_anxiety_depression', 'eating_disorder', 'other')",
            name=op.f("ck_screening_problem_descriptor"),
        ),
        sa.CheckConstraint("risk IN ('low', 'medium', 'high')", name=op.f("ck_screening_risk")),
        sa.CheckConstraint("substance_use IN ('low', 'medium', 'high')", name=op.f("ck_screening_substance_use")),
        sa.ForeignKeyConstraint(["referral_id"], ["referral.id"], name=op.f("fk_screening_referral_id_referral")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening")),
    )
    with op.batch_alter_table("screening", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_screening_referral_id"), ["referral_id"], unique=False)

    op.create_table(
        "decision",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("referral_id", sa.String(length=36), nullable=False),
        sa.Column("screening_id", sa.String(length=36), nullable=False),
        sa.Column("ruleset_id", sa.String(length=100), nullable=False),
        sa.Column("ruleset_version", sa.String(length=50), nullable=False),
        sa.Column("ruleset_sha256", sa.String(length=64), nullable=False),
        sa.Column("routing", JsonDoc, nullable=False),
        sa.Column("matched_rules", JsonDoc, nullable=False),
        sa.Column("recommended_route", sa.String(length=30), nullable=False),
        sa.Column("recommended_step", sa.Integer(), nullable=True),
        sa.Column("confirmed_route", sa.String(length=30), nullable=False),
        sa.Column("confirmed_step", sa.Integer(), nullable=True),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("warnings_acknowledged", sa.Boolean(), nullable=False),
        sa.Column("decided_by", sa.String(length=100), nullable=False),
        sa.Column("decided_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint(
            "confirmed_route IN ('core_iapt', 'integrated_iapt', 'cmht', 'crisis_team', 'substance_misuse')",
            name=op.f("ck_decision_confirmed_route"),
        ),
        sa.CheckConstraint(
            "recommended_route IN ('core_iapt', 'integrated_iapt', 'cmht', 'crisis_team', 'substance_misuse')",
            name=op.f("ck_decision_recommended_route"),
        ),
        sa.CheckConstraint(
            "confirmed_route = recommended_route OR override_reason IS NOT NULL",
            name=op.f("ck_decision_override_reason"),
        ),
        sa.ForeignKeyConstraint(["referral_id"], ["referral.id"], name=op.f("fk_decision_referral_id_referral")),
        sa.ForeignKeyConstraint(["screening_id"], ["screening.id"], name=op.f("fk_decision_screening_id_screening")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision")),
    )
    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_decision_referral_id"), ["referral_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decision_referral_id"))

    op.drop_table("decision")
    with op.batch_alter_table("screening", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_screening_referral_id"))

    op.drop_table("screening")
    with op.batch_alter_table("referral_status_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_status_change_referral_id"))

    op.drop_table("referral_status_change")
    op.drop_table("draft")
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.drop_index("ix_referral_status_received")
        batch_op.drop_index(batch_op.f("ix_referral_person_id"))
        batch_op.drop_index(batch_op.f("ix_referral_duplicate_of_id"))

    op.drop_table("referral")
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_index("ix_person_name_key")

    op.drop_table("person")
    op.drop_table("gp_practice")
    op.drop_table("audit_head")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_event_entity")

    op.drop_table("audit_event")
