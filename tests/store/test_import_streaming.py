"""Large imports (issue 13, item 19): ``triage referrals import`` reads, validates and writes a file a
piece at a time, so its memory does not grow with the file (a 50 MB file once took 3.6 GB), and is
still all or nothing: a bad row at the end, a file that breaks off, or a kill part way leaves nothing
imported. Peak memory is measured in a child process (``getrusage``), which runs the real command."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import nhs_number
import pytest
from sqlalchemy import func, select

from tests.needs import needs
from tests.users import as_pwp
from triage.cli import main
from triage.cli import referrals as referrals_cli
from triage.input_limits import MAX_IMPORT_BYTES
from triage.services import transfer
from triage.services.transfer import BATCH_ROWS, MAX_LISTED_PROBLEMS, TransferError, import_file, import_stream
from triage.store import Store, open_store, verify_database
from triage.store.models import AuditEvent, Person, Referral

ROOT = Path(__file__).resolve().parents[2]
FIELDS = ["nhs_number", "given_name", "family_name", "date_of_birth", "received_on", "source", "notes"]
MEMORY_ROWS = 100_000
# The child's own floor (Python, SQLAlchemy, pydantic, the store open) is about 110 MB; before streaming,
# this file (about 10 MB) took over 500 MB (and twice as many rows over 1 GB): memory grew with the file.
MEMORY_CEILING_MB = 250


def nhs_numbers() -> Iterator[str]:
    """Distinct valid NHS numbers in the never-issued 999 range."""
    for serial in range(1, 1_000_000):
        check = nhs_number.calculate_checksum(f"999{serial:06d}")
        if check is not None and check != 10:
            yield f"999{serial:06d}{check}"


def rows(count: int) -> Iterator[list[str]]:
    """``count`` valid referrals, every 20th the same person as the row before (a duplicate)."""
    numbers = nhs_numbers()
    number = ""
    for row in range(count):
        if row % 20 != 1:
            number = next(numbers)
        yield [number, "Testgiven", "Testfamily", "1985-03-14", "2024-05-01", "gp", f"row {row + 1}, a comma"]


def write_csv(path: Path, count: int, last: list[str] | None = None) -> None:
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(FIELDS)
        writer.writerows(rows(count))
        if last is not None:
            writer.writerow(last)


def counts(store: Store) -> tuple[int, int, int]:
    """(referrals, people, audit events)."""
    with store.read() as session:
        return (session.scalar(select(func.count()).select_from(Referral)) or 0,
                session.scalar(select(func.count()).select_from(Person)) or 0,
                session.scalar(select(func.count()).select_from(AuditEvent)) or 0)  # fmt: skip


CHILD_IMPORT = textwrap.dedent("""
    import contextlib, io, os, sys
    import triage.store.keys
    from tests.users import CHEAP_KDF
    from triage.cli import main
    triage.store.keys.KDF_PARAMS = CHEAP_KDF
    database, csv_file = sys.argv[1], sys.argv[2]
    os.environ.update(TRIAGE_USER="admin", TRIAGE_PASSWORD="correct horse battery")
    with contextlib.redirect_stdout(io.StringIO()):  # the recovery key
        assert main(["init", "--database", database]) == 0
    os.environ["TRIAGE_NEW_PASSWORD"] = "pwp password 1"
    assert main(["users", "add", "pwp", "--role", "pwp", "--database", database]) == 0
    os.environ.update(TRIAGE_USER="pwp", TRIAGE_PASSWORD="pwp password 1")  # an admin may not import
    code = main(["referrals", "import", csv_file, "--database", database])
    # VmHWM: this process image's own peak. ru_maxrss would keep the peak of the image it was forked
    # from across exec (the kernel carries it over), so in a long pytest run it read the parent's size.
    peak = next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM:"))
    print("exit", code, "peak_kib", peak, flush=True)
""")


@pytest.mark.timeout(1800)  # about a minute on a quiet machine; far longer on a busy shared one
def test_a_100000_row_import_stays_under_a_fixed_memory_ceiling(tmp_path: Path) -> None:
    needs(sys.platform == "linux", "the peak is read from /proc/self/status (VmHWM), Linux only")
    csv_file = tmp_path / "referrals.csv"
    write_csv(csv_file, MEMORY_ROWS)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("TRIAGE_DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-c", CHILD_IMPORT, str(tmp_path / "t.db"), str(csv_file)], env=env,
                          cwd=ROOT, capture_output=True, text=True, timeout=1700, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"imported {MEMORY_ROWS} referrals ({MEMORY_ROWS // 20} flagged" in done.stdout
    exit_word, code, _, peak_kib = done.stdout.split()[-4:]
    peak_mb = int(peak_kib) / 1024
    assert (exit_word, code) == ("exit", "0")
    assert peak_mb < MEMORY_CEILING_MB, f"the import peaked at {peak_mb:.0f} MB"


def test_a_bad_row_at_the_end_leaves_nothing_imported_and_names_its_line_and_field(store: Store) -> None:
    count = 3 * BATCH_ROWS + 10  # three batches are written inside the transaction before the bad row
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FIELDS)
    writer.writerows(rows(count))
    secret = "Secretfamilyname"
    writer.writerow(["9990000000", "Testgiven", secret, "1985-03-14", "2024-05-01", "gp", ""])  # bad check digit
    raw = out.getvalue().encode()
    report = import_file(store, as_pwp("admin"), raw)
    assert (report.written, report.rows, report.bad_rows) == (0, count + 1, 1)
    assert report.problems == [(count + 1, "nhs_number: fails the NHS number check digit")]
    assert secret not in repr(report.problems)
    assert counts(store) == (0, 0, 0)
    skipping = import_file(store, as_pwp("admin"), raw, skip_invalid=True)
    duplicates = len(range(1, count, 20))
    assert (skipping.written, skipping.duplicates, skipping.bad_rows) == (count, duplicates, 1)
    with store.read() as session:
        summary = session.scalars(select(AuditEvent.summary).where(AuditEvent.action == "import")).one()
    assert (
        summary
        == f"imported {count} referrals ({len(range(1, count, 20))} flagged as possible duplicates); 1 invalid rows skipped"
    )
    assert verify_database(store) == []


@pytest.mark.parametrize(
    ("fmt", "tail", "message"),
    [
        ("csv", b'"an unterminated quote\n', r"the CSV file cannot be read \(line 6012: unexpected end of data\)"),
        ("json", b"{]", r"not valid JSON \(line 6012, column 5: Expecting property name"),
        ("csv", b"\xff\xfe\n", "is not UTF-8 or UTF-16 text"),
    ],
)
def test_a_file_that_breaks_off_at_its_end_leaves_nothing_imported(
    store: Store, fmt: str, tail: bytes, message: str
) -> None:
    count = 3 * BATCH_ROWS + 10
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(FIELDS)
        writer.writerows(rows(count))
        raw = out.getvalue().encode() + tail
    else:
        lines = ["[", *(f"  {json.dumps(dict(zip(FIELDS, row, strict=True)))}," for row in rows(count))]
        raw = "\n".join(lines).encode() + b"\n   " + tail
    with pytest.raises(TransferError, match=message):
        import_file(store, as_pwp("admin"), raw, fmt=fmt)  # type: ignore[arg-type]
    assert counts(store) == (0, 0, 0)


def test_a_file_over_the_limit_is_refused_with_one_error_line_before_it_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    big = tmp_path / "referrals.csv"
    with big.open("wb") as stream:  # sparse: no 200 MB written
        stream.truncate(MAX_IMPORT_BYTES + 1)
    monkeypatch.delenv("TRIAGE_PASSWORD", raising=False)  # refused before the login would ask for one
    assert main(["referrals", "import", str(big), "--database", str(tmp_path / "none.db")]) == 2
    assert capsys.readouterr().err == (
        "error: input: the file is larger than 200 MB, the most one import takes; split it\n"
    )
    assert not (tmp_path / "none.db").exists()


def test_standard_input_over_the_limit_is_refused_and_nothing_is_imported(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Endless(io.RawIOBase):
        """Standard input that never ends (a pipe from a runaway program): valid rows for ever."""

        def __init__(self) -> None:
            self.rows = rows(10**9)
            self.pending = (",".join(FIELDS) + "\n").encode()

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
            while len(self.pending) < len(buffer):
                self.pending += (",".join(next(self.rows)).replace(", a comma", "") + "\n").encode()
            buffer[:], self.pending = self.pending[: len(buffer)], self.pending[len(buffer) :]
            return len(buffer)

    monkeypatch.setattr(transfer, "MAX_IMPORT_BYTES", 2_000_000)  # about 3 batches' worth, not 200 MB
    with pytest.raises(TransferError, match="larger than"):
        import_stream(store, as_pwp("admin"), io.BufferedReader(Endless()), fmt="csv")
    assert counts(store) == (0, 0, 0)


CHILD_KILLED = textwrap.dedent("""
    import io, sys, time
    from tests.users import as_pwp
    from triage.services.transfer import import_stream
    from triage.store import database, open_store

    # SQLite's default 2 MiB page cache, not the store's 64 MiB: the uncommitted batches then spill
    # into the WAL before the kill (the harder case: the roll-back must undo pages in the file), as
    # they do with the store's cache once an import outgrows it.
    database.SQLITE_PRAGMAS = (*database.SQLITE_PRAGMAS, "cache_size=-2000")

    class Stalls(io.RawIOBase):
        # The file, read on until half of it has been asked for; then the read never returns.
        def __init__(self, raw):
            self.raw, self.at = raw, 0
        def readable(self):
            return True
        def readinto(self, buffer):
            if self.at > len(self.raw) // 2:
                print("half", flush=True)
                time.sleep(600)
            chunk = self.raw[self.at : self.at + len(buffer)]
            buffer[: len(chunk)] = chunk
            self.at += len(chunk)
            return len(chunk)

    with open_store(sys.argv[1]) as store, open(sys.argv[2], "rb") as file:
        import_stream(store, as_pwp("admin"), io.BufferedReader(Stalls(file.read())))
""")


def test_an_import_killed_part_way_leaves_nothing_imported(tmp_path: Path) -> None:
    database, csv_file = tmp_path / "t.db", tmp_path / "referrals.csv"
    open_store(database).close()
    write_csv(csv_file, 10 * BATCH_ROWS)  # about five batches are written before the kill
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-c", CHILD_KILLED, str(database), str(csv_file)], env=env, cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert child.stdout is not None
        assert child.stdout.readline() == "half\n", child.stderr.read() if child.stderr else ""
        assert database.with_name("t.db-wal").stat().st_size > 1_000_000  # the batches are in the WAL
    finally:
        child.send_signal(signal.SIGKILL)
        child.communicate(timeout=60)
    with open_store(database) as store:
        assert counts(store) == (0, 0, 0)
        assert verify_database(store) == []


def test_the_problems_of_the_first_1000_rows_are_listed_and_the_rest_counted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FIELDS)
    writer.writerows([*row[:5], "not a source", *row[6:]] for row in rows(MAX_LISTED_PROBLEMS + 500))
    with open_store(tmp_path / "t.db") as store:
        report = import_file(store, as_pwp("admin"), out.getvalue().encode())
    assert (report.written, report.bad_rows, report.unlisted_rows) == (0, MAX_LISTED_PROBLEMS + 500, 500)
    assert [number for number, _ in report.problems] == list(range(1, MAX_LISTED_PROBLEMS + 1))
    monkeypatch.setattr(transfer, "import_stream", lambda *_, **__: report)
    monkeypatch.setattr(referrals_cli, "login", lambda *_: (contextlib.nullcontext(), None))
    (tmp_path / "in.csv").write_text("")
    assert main(["referrals", "import", str(tmp_path / "in.csv")]) == 2
    errors = capsys.readouterr().err.splitlines()
    assert errors[-2:] == ["error: 500 more invalid rows are not listed",
                           "error: nothing was imported: 1500 of 1500 rows are invalid"]  # fmt: skip
    assert len(errors) == MAX_LISTED_PROBLEMS + 2
