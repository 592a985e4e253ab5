"""Issue 13's fuzz run through a real process: ``python -m triage ...`` as a script or a person runs it,
on inputs the in-process layer refuses (tests/fuzz/hostile.py; 200 in CI, two at a time). Each exits
1 or 2 with ``error:`` lines (and the warning about an unreadable login record) and no traceback, and
repeats no identifier from the input. The commands that log in do so as the fixture store's PWP (the
least key derivation, tests/fuzz/conftest.py), each case on its own copy of the store."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.fuzz.conftest import PASSWORDS, FixtureStore
from tests.fuzz.hostile import BUILDERS, THROUGH_A_PROCESS, Hostile
from tests.letters.cases import BASE
from tests.test_cli_input import in_process
from triage.cli.common import InputError, read_json
from triage.letters.command import parse_letter_input
from triage.letters.particulars import LetterInputError
from triage.services.transfer import TransferError, read_records, validate_records
from triage.store.errors import StoreLocationError
from triage.store.keys import KeyFile, KeyFileError, WrongPassword
from triage.store.location import resolve_database_url

ROOT = Path(__file__).resolve().parents[2]
# What a process may say on standard error: its errors, and the one warning logged about an unreadable
# .logins record (triage.services.login_state: it names no user and no value).
SAID = ("error: ", "the failed-login record beside a local store ")
BAD_IMPORT = b'[{"nhs_number": "not a number"}]'  # refused after a good login: exit 2


def refused(kind: str, case: Hostile, folder: Path, store: FixtureStore) -> bool:
    """Whether the in-process layer refuses ``case`` (only refused input is sent to a process: valid
    input would do its work, exit 0 and, for a letter, write a PDF)."""
    value = case.value
    if kind == "route":
        return in_process("route", stdin=value)[0] == 2
    if kind == "letter":
        (folder / "check.json").write_bytes(value)
        try:
            parse_letter_input(read_json(str(folder / "check.json"), private=True))
        except (InputError, LetterInputError):
            return True
        return False
    if kind.startswith("import"):
        try:
            return bool(validate_records(list(read_records(value, "json" if kind == "import-json" else "csv")))[1])
        except TransferError:
            return True
    if kind == "database":
        if "\x00" in value or value.startswith("-"):
            return False  # no such argument can be given to a process
        try:
            resolve_database_url(value)
        except StoreLocationError:
            return True
        return False
    if kind == "key-file":
        (folder / "check.keys").write_bytes(value)
        try:
            KeyFile.load(folder / "check.keys").unwrap("pwp.fuzz", PASSWORDS["pwp.fuzz"])
        except (KeyFileError, WrongPassword):
            return True
        return False
    return True  # a .logins record, whatever it holds: the import after the login is refused


def cases(kind: str, folder: Path, store: FixtureStore) -> list[Hostile]:
    extras: dict[str, dict[str, Any]] = {"letter": {"base": BASE}, "database": {"folder": str(folder)},
                                         "key-file": {"base": store.key_document}}  # fmt: skip
    extra = extras.get(kind, {})
    found: list[Hostile] = []
    seed = 0
    while len(found) < THROUGH_A_PROCESS[kind]:
        case = BUILDERS[kind](random.Random(f"process-{kind}-{seed}"), "", **extra)
        seed += 1
        if refused(kind, case, folder, store):
            found.append(case)
    return found


def command(kind: str, case: Hostile, folder: Path, store: FixtureStore) -> tuple[list[str], bytes]:
    """The arguments and standard input for ``case``, its files written into ``folder``."""
    if kind == "route":
        return ["route"], case.value
    if kind == "letter":
        (folder / "in.json").write_bytes(case.value)
        return ["letter", str(folder / "in.json"), "--out", str(folder / "out.pdf")], b""
    if kind == "database":
        return ["--database", case.value, "referrals", "export"], b""
    database = folder / "t.db"
    shutil.copyfile(store.database, database)
    shutil.copyfile(store.database.with_name("t.db.keys"), folder / "t.db.keys")
    source = folder / ("in.csv" if kind == "import-csv" else "in.json")
    source.write_bytes(case.value if kind.startswith("import") else BAD_IMPORT)
    if kind == "logins":
        (folder / "t.db.logins").write_bytes(case.value)
    if kind == "key-file":
        (folder / "t.db.keys").write_bytes(case.value)
    return ["--database", str(database), "referrals", "import", str(source)], b""


def run(arguments: list[str], stdin: bytes) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIAGE_")}
    env.update(TRIAGE_USER="pwp.fuzz", TRIAGE_PASSWORD=PASSWORDS["pwp.fuzz"], PYTHONIOENCODING="utf-8")
    done = subprocess.run([sys.executable, "-m", "triage", *arguments], input=stdin, capture_output=True,
                          env=env, cwd=ROOT, timeout=120)  # fmt: skip
    return subprocess.CompletedProcess(done.args, done.returncode, done.stdout.decode("utf-8", "replace"),
                                       done.stderr.decode("utf-8", "replace"))  # fmt: skip


@pytest.mark.parametrize("kind", list(BUILDERS))
def test_hostile_input_through_a_real_process(kind: str, tmp_path: Path, fixture_store: FixtureStore) -> None:
    chosen = cases(kind, tmp_path, fixture_store)

    def one(index: int) -> tuple[Hostile, subprocess.CompletedProcess[str], Path]:
        folder = tmp_path / f"case-{index}"
        folder.mkdir()
        arguments, stdin = command(kind, chosen[index], folder, fixture_store)
        return chosen[index], run(arguments, stdin), folder

    with ThreadPoolExecutor(max_workers=2) as pool:  # the machine's two cores
        results = list(pool.map(one, range(len(chosen))))
    for case, done, folder in results:
        assert done.returncode in (1, 2), (done.returncode, done.stderr)
        assert "Traceback" not in done.stderr and done.stderr, done.stderr
        assert all(line.startswith(SAID) for line in done.stderr.splitlines()), done.stderr
        assert case.leaked(done.stdout, done.stderr) == [], (done.stdout, done.stderr)
        assert not (folder / "out.pdf").exists()
