"""Migrations: from empty, every revision up and down, from the previous revision with data, the
models agreeing with the migrated schema, and a failing migration leaving the database untouched."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from tests.store.conftest import referral_input
from tests.users import as_pwp
from triage.services import create_referral
from triage.store import MigrationError, open_store, schema_revision, verify_database
from triage.store.database import MIGRATIONS_DIR, alembic_config, create_store_engine, downgrade_schema, upgrade_schema
from triage.store.location import resolve_database_url
from triage.store.models import Base

REVISIONS = [
    script.revision for script in reversed(list(ScriptDirectory.from_config(alembic_config()).walk_revisions()))
]


def snapshot(database_url: str, columns: dict[str, list[str]] | None = None) -> dict[str, list[tuple]]:
    """Every row of every table: what "the database as it was" means. ``columns``: only these tables
    and columns (to compare a database before and after a migration that adds some)."""
    engine = create_store_engine(resolve_database_url(database_url))
    try:
        with engine.connect() as connection:
            wanted = columns or {t: ["*"] for t in inspect(connection).get_table_names()}
            return {
                t: sorted(map(tuple, connection.exec_driver_sql(f"SELECT {', '.join(cols)} FROM {t}")), key=repr)
                for t, cols in sorted(wanted.items())
            }
    finally:
        engine.dispose()


def downgrade_to(database_url: str, revision: str) -> None:
    """The store at ``database_url`` taken down to ``revision`` through its own engine (no store open)."""
    engine = create_store_engine(resolve_database_url(database_url))
    try:
        downgrade_schema(engine, revision)
    finally:
        engine.dispose()


def table_columns(database_url: str) -> dict[str, list[str]]:
    engine = create_store_engine(resolve_database_url(database_url))
    try:
        with engine.connect() as connection:
            inspector = inspect(connection)
            return {t: [c["name"] for c in inspector.get_columns(t)] for t in inspector.get_table_names()
                    if t != "alembic_version"}  # fmt: skip
    finally:
        engine.dispose()


def test_an_empty_database_is_brought_to_the_newest_revision(database_url: str) -> None:
    with open_store(database_url) as store:
        assert schema_revision(store.engine) == REVISIONS[-1]
        assert verify_database(store) == []


def test_the_models_match_the_migrated_schema(store) -> None:  # type: ignore[no-untyped-def]
    with store.engine.connect() as connection:
        differences = compare_metadata(
            MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata
        )
    assert differences == []


def test_every_revision_goes_up_and_down(database_url: str) -> None:
    engine = create_store_engine(resolve_database_url(database_url))
    try:
        for index, revision in enumerate(REVISIONS):
            upgrade_schema(engine, target=revision)
            assert schema_revision(engine) == revision
            downgrade_schema(engine, REVISIONS[index - 1] if index else "base")
            assert schema_revision(engine) == (REVISIONS[index - 1] if index else None)
            upgrade_schema(engine, target=revision)
        downgrade_schema(engine, "base")
        with engine.connect() as connection:
            assert set(inspect(connection).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()


def test_a_database_at_the_previous_revision_is_upgraded_with_its_data(database_url: str) -> None:
    with open_store(database_url) as store:
        created = create_referral(store, as_pwp("pwp"), referral_input(1))
        decided = decided_referral(store, 2)
        downgrade_schema(store.engine, REVISIONS[-2] if len(REVISIONS) > 1 else "base")
    old_columns = table_columns(database_url)
    before = snapshot(database_url, old_columns)
    with open_store(database_url) as store:
        assert schema_revision(store.engine) == REVISIONS[-1]
        assert verify_database(store) == []
        with store.read() as session:
            assert session.scalar(text("SELECT count(*) FROM referral WHERE id = :id"), {"id": created.id}) == 1
    assert snapshot(database_url, old_columns) == before  # every old row and column kept as it was
    with open_store(database_url) as store, store.read() as session:  # 0003 backfilled the latest route
        rows = session.execute(text("SELECT id, current_route, current_step FROM referral ORDER BY id")).all()
    assert sorted(map(tuple, rows)) == sorted([(created.id, None, None), (decided, "integrated_iapt", 3)])


def decided_referral(store, serial: int) -> str:  # type: ignore[no-untyped-def]
    """A referral decided twice (cmht, then integrated IAPT step 3 on a re-screen): the latest counts."""
    from tests.store.test_decisions import HIGH_COMPLEXITY
    from tests.store.test_screenings import ANSWERS
    from triage.services import DecisionInput, ScreeningInput, complete_screening

    referral_id = create_referral(store, as_pwp("pwp"), referral_input(serial)).id
    complete_screening(store, as_pwp("lead"), referral_id, ScreeningInput.model_validate(HIGH_COMPLEXITY), DecisionInput(confirmed_route="cmht"))  # fmt: skip
    complete_screening(store, as_pwp("lead"), referral_id, ScreeningInput.model_validate(ANSWERS), DecisionInput(confirmed_route="integrated_iapt", confirmed_step=3))  # fmt: skip
    return referral_id


FAILING = '''
"""A migration that changes things, then fails."""
import sqlalchemy as sa
from alembic import op

revision = "9999"
down_revision = {head!r}
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("scratch", sa.Column("id", sa.Integer, primary_key=True))
    op.execute("DROP TRIGGER referral_no_delete" + (" ON referral" if op.get_bind().dialect.name == "postgresql" else ""))
    op.execute("DELETE FROM draft")
    with op.batch_alter_table("referral") as batch:
        batch.add_column(sa.Column("extra", sa.Text))
    op.execute("UPDATE referral SET notes = 'overwritten'")
    raise RuntimeError("simulated failure half-way through a migration")


def downgrade() -> None:
    pass
'''


def test_a_failed_migration_leaves_the_database_exactly_as_it_was(database_url: str, tmp_path: Path) -> None:
    from triage.services import save_draft

    with open_store(database_url) as store:
        created = create_referral(store, as_pwp("pwp"), referral_input(1, notes="original"))
        save_draft(store, as_pwp("pwp"), created.id, {"typed": 1})
    before = snapshot(database_url)
    migrations = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, migrations, ignore=shutil.ignore_patterns("__pycache__"))
    (migrations / "versions" / "9999_fails.py").write_text(textwrap.dedent(FAILING.format(head=REVISIONS[-1])))
    with pytest.raises(MigrationError, match="left exactly as it was") as caught:
        open_store(database_url, migrations_dir=migrations)
    assert "RuntimeError" in str(caught.value)
    assert snapshot(database_url) == before
    with open_store(database_url) as store:
        assert schema_revision(store.engine) == REVISIONS[-1]
        assert verify_database(store) == []


def test_a_database_from_a_newer_version_is_refused_untouched(database_url: str) -> None:
    with open_store(database_url) as store:
        create_referral(store, as_pwp("pwp"), referral_input(1))
        with store.engine.begin() as connection:
            connection.exec_driver_sql("UPDATE alembic_version SET version_num = 'f00dfeed'")
    before = snapshot(database_url)
    with pytest.raises(MigrationError, match="newer version"):
        open_store(database_url)
    assert snapshot(database_url) == before


def test_the_recorded_schema_head_is_alembics_head() -> None:
    # open_store skips loading Alembic when a database is already at SCHEMA_HEAD: it must be the real head.
    from triage.store.database import SCHEMA_HEAD, head_revision

    assert head_revision() == SCHEMA_HEAD
