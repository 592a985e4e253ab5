"""Who a letter goes to and how a referral is referred to (issue 14, items 4 to 6).

- ``referral.address_line1..3``: the patient's postal address (the postcode stays in ``postcode``);
- ``referral.referring_gp``: the GP the GP letter is addressed to, and ``letter_to_practice``: the
  recorded choice to address it to the practice when no GP is named;
- ``referral.reference``: the short service reference (``PRE-000123``), unique in the store;
- ``reference_counter``: one row, the store's three-letter prefix and the last number given.

Existing referrals get their references here, numbered 1, 2, 3 ... in received order (received on,
then when created, then id: the same order on every run), under the prefix ``REF``. ``REF`` is only a
placeholder: an administrator sets the service's own prefix (``set_reference_prefix``) before
referrals move between stores, and a transfer between two stores with the same prefix is refused.
A referral's reference never changes once given, whatever the prefix later becomes.

SQLite gets the columns through ``ALTER TABLE ... ADD COLUMN`` (with defaults), never a batch rebuild:
rebuilding ``referral`` would drop its guard trigger and trip the foreign keys that name it.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

PLACEHOLDER_PREFIX = "REF"
TEXT_COLUMNS = ("address_line1", "address_line2", "address_line3", "referring_gp")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for name in TEXT_COLUMNS:
            op.add_column("referral", sa.Column(name, sa.String(100), nullable=True))
        op.add_column("referral", sa.Column("letter_to_practice", sa.Boolean(), nullable=False,
                                            server_default=sa.false()))  # fmt: skip
        op.add_column("referral", sa.Column("reference", sa.String(20), nullable=False, server_default=""))
    else:
        for name in TEXT_COLUMNS:
            op.execute(f"ALTER TABLE referral ADD COLUMN {name} VARCHAR(100)")
        op.execute("ALTER TABLE referral ADD COLUMN letter_to_practice BOOLEAN NOT NULL DEFAULT 0")
        op.execute("ALTER TABLE referral ADD COLUMN reference VARCHAR(20) NOT NULL DEFAULT ''")
    ids = bind.execute(sa.text("SELECT id FROM referral ORDER BY received_on, created_at, id")).scalars().all()
    for number, referral_id in enumerate(ids, start=1):
        bind.execute(sa.text("UPDATE referral SET reference = :reference WHERE id = :id"),
                     {"reference": f"{PLACEHOLDER_PREFIX}-{number:06d}", "id": referral_id})  # fmt: skip
    op.create_index("uq_referral_reference", "referral", ["reference"], unique=True)
    counter = op.create_table(
        "reference_counter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prefix", sa.String(3), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_reference_counter_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_counter")),
    )
    op.bulk_insert(counter, [{"id": 1, "prefix": PLACEHOLDER_PREFIX, "last_number": len(ids)}])


def downgrade() -> None:
    op.drop_table("reference_counter")
    op.drop_index("uq_referral_reference", table_name="referral")
    # SQLite (3.35+) drops a column that no index, constraint or trigger names, without a rebuild.
    postgresql = op.get_bind().dialect.name == "postgresql"
    for name in (*TEXT_COLUMNS, "letter_to_practice", "reference"):
        if postgresql:
            op.drop_column("referral", name)
        else:
            op.execute(f"ALTER TABLE referral DROP COLUMN {name}")
