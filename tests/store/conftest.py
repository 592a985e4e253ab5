"""Fixtures for the store tests: every store test runs against SQLite and a real PostgreSQL server.

PostgreSQL comes from ``TRIAGE_TEST_POSTGRES_URL`` (a server URL whose user may create databases) or
from a throwaway cluster this fixture starts itself with the Debian server binaries
(``/usr/lib/postgresql/*/bin``) on a free loopback port. Without them the PostgreSQL tests fail when
``CI`` is set (CI installs PostgreSQL, so a missing server is a broken CI) and skip otherwise.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import nhs_number
import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.needs import needs
from triage.services.inputs import ReferralInput
from triage.store.database import Store, open_store

POSTGRES_URL_ENV = "TRIAGE_TEST_POSTGRES_URL"


def _unavailable(reason: str) -> None:
    needs(False, f"PostgreSQL tests: {reason} (install postgresql or set {POSTGRES_URL_ENV})")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_postgres_user(args: list[str]) -> list[str]:
    # initdb refuses to run as root: run the cluster as the postgres system user.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A SQLAlchemy URL of a PostgreSQL server's maintenance database."""
    configured = os.environ.get(POSTGRES_URL_ENV)
    if configured:
        yield str(make_url(configured).set(drivername="postgresql+psycopg"))
        return
    initdb = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    found = initdb[-1] if initdb else shutil.which("initdb")
    if not found:
        _unavailable("no PostgreSQL server binaries (initdb, pg_ctl) in /usr/lib/postgresql/*/bin or on PATH")
    bindir = Path(found).parent
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        _unavailable("running as root without runuser to start PostgreSQL as the postgres user")
    root = Path(tempfile.mkdtemp(prefix="triage-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, user="postgres")
    data, port = root / "data", _free_port()
    run = dict(check=True, capture_output=True, text=True, timeout=120)
    try:
        subprocess.run(_as_postgres_user([str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "triage",
                                          "--no-sync", "-E", "UTF8"]), **run)  # fmt: skip
        options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        subprocess.run(_as_postgres_user([str(bindir / "pg_ctl"), "-D", str(data), "-o", options,
                                          "-l", str(root / "server.log"), "-w", "-t", "60", "start"]), **run)  # fmt: skip
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        log = (root / "server.log").read_text() if (root / "server.log").exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        _unavailable(f"could not start a test cluster: {getattr(exc, 'stderr', '')} {log}")
    try:
        yield f"postgresql+psycopg://triage@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(_as_postgres_user([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                       capture_output=True, timeout=60)  # fmt: skip
        shutil.rmtree(root, ignore_errors=True)


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextlib.contextmanager
def _fresh_postgres_database(server: str) -> Iterator[str]:
    name = f"triage_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_libpq(server), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    # The throwaway cluster has no TLS: the URL says so and the override allows it (the store refuses
    # a PostgreSQL connection without verify-full otherwise).
    os.environ["TRIAGE_ALLOW_INSECURE_DB"] = "1"
    try:
        yield str(
            make_url(server)
            .set(database=name)
            .update_query_dict({"sslmode": "disable"})
            .render_as_string(hide_password=False)
        )
    finally:
        with psycopg.connect(_libpq(server), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file in tmp_path, or a new database on the PostgreSQL server."""
    if request.param == "sqlite":
        yield str(tmp_path / "triage.db")
        return
    server = request.getfixturevalue("postgres_server")
    with _fresh_postgres_database(server) as url:
        yield url


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """An empty database on the PostgreSQL server, for what only a team store has."""
    with _fresh_postgres_database(postgres_server) as url:
        yield url


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    opened = open_store(database_url)
    try:
        yield opened
    finally:
        opened.close()


def make_nhs_number(serial: int) -> str:
    """A valid NHS number in the never-issued 999 range (test data only)."""
    while True:
        stem = f"999{serial % 1_000_000:06d}"
        check = nhs_number.calculate_checksum(stem)
        if check is not None and check != 10 and len(set(stem + str(check))) > 1:
            return stem + str(check)
        serial += 1


def referral_input(serial: int = 1, **overrides: object) -> ReferralInput:
    data: dict[str, object] = {
        "nhs_number": make_nhs_number(serial),
        "given_name": "Testgiven",
        "family_name": f"Testfamily{serial}",
        "date_of_birth": "1985-03-14",
        "received_on": "2024-05-01",
        "source": "gp",
    }
    data.update(overrides)
    return ReferralInput.model_validate(data)
