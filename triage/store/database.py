"""Opening the store: engine set-up (durable SQLite, or PostgreSQL), migrations at open, sessions.

SQLite: WAL, ``synchronous=FULL`` (a commit that returned survives a power cut if the disk honours
fsync), foreign keys on, and write transactions started with ``BEGIN IMMEDIATE`` so two writers
queue instead of failing half-way (pysqlite's implicit BEGIN is switched off for that).
PostgreSQL: the same models and migrations over psycopg 3.

Every migration run happens inside one transaction (both databases have transactional DDL): a failed
migration rolls back and leaves the database exactly as it was. On a local store it also holds the
store's exclusive lock, and every open store holds its process's share (``triage.store.locks``), so a
restore is refused while any other process has the store open.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from triage.store.errors import ConflictError, IntegrityProblem, MigrationError, StoreError
from triage.store.errors import WrongKeyError as WrongKeyError  # where it was defined before; still imported from here
from triage.store.keys import sqlcipher_key
from triage.store.location import make_private, private_files, resolve_database_url
from triage.store.locks import MIGRATION_WAIT, OpenHold, operation
from triage.store.tamper import WRONG_KEY, WriteGuard, check_file, report_damage

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")

# The newest migration in migrations/versions (a test checks it is Alembic's head).
SCHEMA_HEAD = "0020"

if TYPE_CHECKING:
    from alembic.config import Config

    from triage.store.signing import Signer
# cache_size: 64 MiB of page cache a connection (SQLite's default is 2 MiB). SQLCipher decrypts every
# page it reads into the cache, so once the indexes outgrow it each lookup and insert re-reads and
# re-decrypts pages: a 100,000-row import took 150 s with the default and 86 s with this (issue 13,
# item 19; docs/benchmarks.md, "Import"). The cache fills only as pages are used.
SQLITE_PRAGMAS = (
    "journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "busy_timeout=30000", "cache_size=-65536",
)  # fmt: skip
_IMMEDIATE = "triage_immediate"
# PostgreSQL: every write transaction takes this transaction-scoped advisory lock first, so writers
# queue as they do on SQLite: the audit chain cannot fork and two writers cannot deadlock.
WRITE_LOCK_KEY = 0x7472_6961_6765  # "triage"
# Where a write session carries the logged-in user's audit signer (triage.store.signing.Signer) to
# record_event: every event written in the session is signed with it.
SIGNER_INFO = "triage_audit_signer"


class Store:
    """An open database: ``read()`` and ``write()`` give sessions whose transaction ends with the block.

    An encrypted (SQLCipher) store keeps its key in memory only, for backups and for re-wrapping it
    when a password changes; it is never shown by ``repr``, ``describe`` or ``url``. ``signer``: the
    logged-in user's audit-signing key (set at login, in memory only, never shown either); every
    write session carries it, so every event the session records is signed.
    ``migration_backup``: the verified copy made before this open updated the schema, if it did."""

    migration_backup: Path | None = None

    def __init__(self, engine: Engine, *, key: bytes | None = None, hold: OpenHold | None = None) -> None:
        self.engine = engine
        self._key = key
        self._hold = hold
        self.signer: Signer | None = None
        self._reader = sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)
        self._writer = sessionmaker(bind=engine.execution_options(**{_IMMEDIATE: True}), expire_on_commit=False)
        # each write transaction first checks that what this store committed is still there (issue 13, item 8)
        self._guard = WriteGuard(engine, self._writer, local_file(engine.url), key)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def url(self) -> URL:
        return self.engine.url

    @property
    def encrypted(self) -> bool:
        return self._key is not None

    def __repr__(self) -> str:
        return f"<Store {self.describe()}{' encrypted' if self.encrypted else ''}>"

    def describe(self) -> str:
        """The database, safe to print (no password)."""
        return self.engine.url.render_as_string(hide_password=True)

    @contextmanager
    def read(self) -> Iterator[Session]:
        # close() ends the transaction without expiring what was loaded (rollback() would), so the
        # detached objects stay readable.
        with self._reader() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction, committed (durably) when the block ends without an exception.
        A lost optimistic-concurrency race becomes ``ConflictError``; a broken database rule becomes
        ``IntegrityProblem`` naming the rule but never the values."""
        session = self._writer()
        session.info[SIGNER_INFO] = self.signer
        try:
            if self.dialect == "postgresql":
                session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK_KEY})
            yield session
            session.commit()
        except StaleDataError:
            session.rollback()
            raise ConflictError() from None
        except IntegrityError as exc:
            session.rollback()
            raise IntegrityProblem(f"the change was refused by the database: {integrity_rule(exc)}") from None
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def close(self) -> None:
        self.engine.dispose()
        if self._hold is not None:
            self._hold.release()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_store(
    database: str | os.PathLike[str] | None = None,
    *,
    key: bytes | None = None,
    migrate: bool = True,
    migrations_dir: Path | None = None,
    hold: bool = True,
) -> Store:
    """Open (creating if needed) the database named by ``database``, ``TRIAGE_DATABASE_URL`` or the
    default user data folder, and bring its schema up to date. ``migrations_dir`` is for tests.

    ``key``: the raw 256-bit database key of an encrypted (SQLCipher) SQLite store. Without a key a
    SQLite file is opened as plain SQLite: that is for tests and tools only; the app and the command
    line open local data through ``triage.services.login.open_authenticated``, which refuses a
    plaintext file. A wrong key raises ``WrongKeyError`` before anything is written.

    ``hold``: a local store holds this process's share of its lock while open (``StoreBusy`` while it
    is being restored); False only for a file merely being checked (a backup being verified)."""
    url = resolve_database_url(database)
    if key is not None and url.get_backend_name() != "sqlite":
        raise StoreError("a database key is for a local SQLite store; a PostgreSQL server encrypts on its side")
    local = local_file(url)
    share = OpenHold(local) if hold and local is not None else None
    if local is not None:
        make_private(local)  # a store (and -wal/-shm) an earlier version left 0644
        if key is not None:
            check_file(local)  # an empty or part-page file is damage (SQLite would make a new store of it)
    engine = create_store_engine(url, key=key)
    store = Store(engine, key=key, hold=share)
    try:
        if key is not None:
            _check_key(engine)
            with engine.connect() as connection:
                store._guard.check_open(connection)
        if migrate and (migrations_dir is not None or schema_revision(engine) != SCHEMA_HEAD):
            from triage.store.backup import back_up_before_migration  # a verified copy first (issue 13.11)

            with operation(local, "the schema update", wait=MIGRATION_WAIT) if local is not None else nullcontext():
                store.migration_backup = back_up_before_migration(engine, local, key, migrations_dir)
                upgrade_schema(engine, migrations_dir)
    except BaseException:
        store.close()
        raise
    return store


def local_file(url: URL) -> Path | None:
    """The file of a local (SQLite) store; None for a server or an in-memory database."""
    database = url.database
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).expanduser().absolute()


def _check_key(engine: Engine) -> None:
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar_one()
    except DBAPIError:
        raise WrongKeyError(WRONG_KEY) from None


def create_store_engine(url: URL, *, key: bytes | None = None) -> Engine:
    # hide_parameters: a failed statement's message must never carry an NHS number or a name.
    if url.get_backend_name() == "sqlite":
        if key is not None:
            engine = _sqlcipher_engine(url, key)
        else:
            engine = create_engine(url, hide_parameters=True, connect_args={"timeout": 30})
            event.listen(engine, "do_connect", _connect_privately)
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        report_damage(engine, local_file(url), key)  # SQLite's "malformed" told apart, and named (item 16)
        return engine
    return create_engine(url, hide_parameters=True, pool_pre_ping=True)


def _sqlcipher_engine(url: URL, key: bytes) -> Engine:
    """SQLite's own dialect over the sqlcipher3 driver. The key is given by ``creator`` as the very
    first statement of every connection (before any pragma could touch the file); it is never put in
    the URL, so no URL, log line or error message can carry it."""
    import sqlcipher3.dbapi2 as sqlcipher

    path, pragma = str(url.database), sqlcipher_key(key)

    def connect() -> Any:
        with private_files():  # a new file is born 0600 (its -wal/-shm take its mode)
            connection = sqlcipher.connect(path, timeout=30, check_same_thread=False)
        try:
            connection.execute("PRAGMA cipher_log_level = NONE")
            connection.execute(f"PRAGMA key = {pragma}")
            # temp tables and sort spills in memory: no temporary file can hold a decrypted page
            connection.execute("PRAGMA temp_store = MEMORY")
        except BaseException:
            connection.close()
            raise
        return connection

    return create_engine(URL.create("sqlite+pysqlite", database=path), module=sqlcipher, creator=connect,
                         hide_parameters=True)  # fmt: skip


def _connect_privately(dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
    with private_files():  # a new file is born 0600 (its -wal/-shm take its mode)
        return dialect.connect(*cargs, **cparams)


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (see _sqlite_begin)
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    immediate = connection.get_execution_options().get(_IMMEDIATE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def alembic_config(migrations_dir: Path | None = None) -> Config:
    """Alembic configured in code (no alembic.ini): the scripts ship inside the package. Alembic
    (with Mako and Pygments behind it) is imported only when a migration is looked at: a normal
    start, at the newest schema already, never needs it."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_dir or MIGRATIONS_DIR))
    return config


def head_revision(migrations_dir: Path | None = None) -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config(migrations_dir)).get_current_head()
    if head is None:  # pragma: no cover - the package always ships revisions
        raise MigrationError("no migrations found")
    return head


def schema_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty database (read with plain SQL from
    Alembic's own table, so that finding nothing to do costs no Alembic import)."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade_schema(engine: Engine, migrations_dir: Path | None = None, target: str = "head") -> None:
    """Run pending migrations in one transaction; on any failure roll back and raise MigrationError."""
    if target == "head" and migrations_dir is None and schema_revision(engine) == SCHEMA_HEAD:
        return  # the normal start: nothing to do, and no need to load Alembic to know it
    from alembic import command
    from alembic.script import ScriptDirectory

    config = alembic_config(migrations_dir)
    script = ScriptDirectory.from_config(config)
    current = schema_revision(engine)
    if current is not None and current not in {rev.revision for rev in script.walk_revisions()}:
        raise MigrationError(
            f"the database is at schema revision {current}, which this version of triage does not know: "
            "it was written by a newer version. Install that version; the database was not changed."
        )
    wanted = script.get_current_head() if target == "head" else target
    if current == wanted:
        return
    log.info("migrating the database schema from %s to %s", current or "empty", wanted)
    try:
        with engine.connect().execution_options(**{_IMMEDIATE: True}) as connection, connection.begin():
            config.attributes["connection"] = connection
            command.upgrade(config, target)
    except Exception as exc:
        log.error("schema migration failed (%s); rolled back", type(exc).__name__)
        raise MigrationError(
            f"the database schema could not be updated from {current or 'an empty database'} to {wanted} "
            f"({type(exc).__name__}); the database was left exactly as it was"
        ) from None


def downgrade_schema(engine: Engine, target: str, migrations_dir: Path | None = None) -> None:
    """For tests and emergencies: downgrade in one transaction."""
    from alembic import command

    config = alembic_config(migrations_dir)
    with engine.connect().execution_options(**{_IMMEDIATE: True}) as connection, connection.begin():
        config.attributes["connection"] = connection
        command.downgrade(config, target)


def integrity_rule(exc: IntegrityError) -> str:
    """Which rule a refused write broke, without the offending values (PostgreSQL puts them in DETAIL)."""
    original = exc.orig
    diag = getattr(original, "diag", None)
    if diag is not None:  # psycopg: the primary message names the constraint, DETAIL has the values
        return str(diag.message_primary or diag.constraint_name or "a database rule")
    return str(original).splitlines()[0] if original is not None else "a database rule"
