"""Stores for the damage and tampering tests (issue 13, items 8 and 16): one real store made once per
module, copied per test, then damaged the ways a disk, a tool or a person damages one; and the real
command line (``python -m triage``) run on them, as a script or an admin would."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from tests.store.conftest import make_nhs_number
from tests.users import CHEAP_KDF
from triage.cli import main
from triage.services.login import authenticate
from triage.store import open_store
from triage.store.tamper import PAGE_SIZE

ROOT = Path(__file__).resolve().parents[2]
ADMIN, LEAD = "admin", "lead"
PASSWORDS = {ADMIN: "correct horse battery", LEAD: "leader password 1"}
REFERRALS = 200  # enough for the referral table to have pages of its own
FILES = ("t.db", "t.db.keys")


@dataclass(frozen=True)
class Template:
    folder: Path  # t.db (REFERRALS referrals, checkpointed, no -wal) with its key file, and B.db, its backup
    key: bytes


def rows(start: int, count: int) -> list[dict[str, Any]]:
    return [{"nhs_number": make_nhs_number(serial), "given_name": "Zoë", "family_name": f"Secretfamily{serial}",
             "date_of_birth": "1985-03-14", "received_on": "2024-05-01", "source": "gp"}
            for serial in range(start, start + count)]  # fmt: skip


def make_template(folder: Path) -> Template:
    """A store made the way a service makes one: ``triage init``, a team leader, an import, a backup."""
    database = folder / "t.db"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("triage.store.keys.KDF_PARAMS", CHEAP_KDF)  # recorded in the key file: cheap in subprocesses too
        mp.delenv("TRIAGE_DATABASE_URL", raising=False)
        mp.setenv("TRIAGE_USER", ADMIN)
        mp.setenv("TRIAGE_PASSWORD", PASSWORDS[ADMIN])
        (folder / "in.json").write_text(json.dumps(rows(1, REFERRALS)), encoding="utf-8")
        with contextlib.redirect_stdout(io.StringIO()) as out, contextlib.redirect_stderr(io.StringIO()):
            assert main(["init", "--database", str(database)]) == 0, out.getvalue()
            mp.setenv("TRIAGE_NEW_PASSWORD", PASSWORDS[LEAD])
            assert main(["users", "add", LEAD, "--role", "team_leader", "--database", str(database)]) == 0
            assert main(["db", "backup", str(folder / "B.db"), "--database", str(database)]) == 0
            mp.setenv("TRIAGE_USER", LEAD)
            mp.setenv("TRIAGE_PASSWORD", PASSWORDS[LEAD])
            assert main(["referrals", "import", str(folder / "in.json"), "--database", str(database)]) == 0
        key, _user = authenticate(database, ADMIN, PASSWORDS[ADMIN])
    assert not Path(f"{database}-wal").exists()  # every page is in the main file
    return Template(folder, key)


def copy_store(template: Template, folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    for name in FILES:
        shutil.copyfile(template.folder / name, folder / name)
    return folder / "t.db"


def cli(database: Path, *args: str | Path, user: str = ADMIN) -> subprocess.CompletedProcess[str]:
    """``python -m triage ARGS --database DATABASE`` as ``user``, in a process of its own."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TRIAGE_USER": user, "TRIAGE_PASSWORD": PASSWORDS[user]}
    env.pop("TRIAGE_DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "triage", *map(str, args), "--database", str(database)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)  # fmt: skip


def error_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    """The ``error:`` lines; anything else on standard error (a traceback) fails the caller's check."""
    assert "Traceback" not in result.stderr, result.stderr
    return [line for line in result.stderr.splitlines() if line.startswith("error: ")]


def overwrite_page(database: Path, page: int) -> None:
    """Page ``page`` (1-based) of the file overwritten with garbage, the rest left as it was."""
    with database.open("r+b") as stream:
        stream.seek((page - 1) * PAGE_SIZE)
        stream.write(os.urandom(PAGE_SIZE))


def referral_root_page(database: Path, key: bytes) -> int:
    """The first page of the referral table: every list or export of referrals reads it."""
    with open_store(database, key=key, migrate=False, hold=False) as store, store.read() as session:
        return int(session.execute(text("SELECT rootpage FROM sqlite_master WHERE name = 'referral'")).scalar_one())
