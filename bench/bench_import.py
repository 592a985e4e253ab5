"""Import: a 1,000,000-row CSV file into the encrypted store, peak memory and time, beside a bare insert.

Budget (docs/design.md, "Budgets"): the import within 3x a bare sqlite3 insert of the same rows with
ids and one chained audit row each, and its peak resident memory under IMPORT_PEAK_MB whatever the
file's size (issue 13, item 19: a 50 MB import once took 3.6 GB).

The file: synthetic referrals (NHS numbers in the never-issued 999 range, made-up names, a phone,
a postcode and a line of notes; 10% the same person again while the first is open, so flagged as
possible duplicates), about 130 bytes a row, written to a temporary folder. Each side runs in a fresh
child process, which reports its own peak resident set size (VmHWM, or ``getrusage``) and time:

* the import: ``import_stream`` -- the path of ``triage referrals import FILE`` after the login --
  into a new SQLCipher store: decode, parse, validate every row, write in one audited transaction
  (a person, a referral, a status change and audit events per row);
* the baseline: the standard library's csv reader and SQLCipher (``sqlcipher3``, the same key
  and pragmas) inserting each row with a new id and one SHA-256-chained audit row, in one
  transaction, 2,000 rows an ``executemany``.

Both must have written every row (and the import flagged the expected duplicates) before anything
is reported. ``TRIAGE_BENCH_IMPORT_ROWS`` sets fewer rows, only to try the benchmark out.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
from collections import deque
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import nhs_number

from bench.budgets import IMPORT_PEAK_MB, IMPORT_VS_BARE_INSERT, verdict

ROWS = int(os.environ.get("TRIAGE_BENCH_IMPORT_ROWS", "1000000"))
ROOT = Path(__file__).resolve().parent.parent
FIELDS = ("nhs_number", "given_name", "family_name", "date_of_birth", "received_on", "source", "phone", "postcode",
          "notes")  # fmt: skip
REPEATS = 0.10
SYLLABLES = ["ab", "bel", "car", "dun", "ed", "fen", "gar", "hol", "ing", "jo", "kel", "lam", "mor", "nor"]


def write_csv(path: Path, count: int, seed: int = 7) -> int:
    """``count`` synthetic referrals as a CSV file (UTF-8, a header row); returns how many repeat an
    earlier row's person (each a possible duplicate: every referral is open)."""
    rng = random.Random(seed)
    recent: deque[list[str]] = deque(maxlen=1000)
    serial = repeats = 0
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(FIELDS)
        for _ in range(count):
            # 10%: the never-issued 999 range holds about 909,000 valid numbers, too few for 950,000 people
            if recent and rng.random() < REPEATS:
                again = list(rng.choice(recent))
                again[4] = (date(2025, 6, 1) - timedelta(days=rng.randrange(60))).isoformat()
                writer.writerow(again)
                repeats += 1
                continue
            check = None
            while check is None or check == 10:
                serial += 1
                if serial > 999_999:  # f"999{serial:06d}" would no longer be nine digits
                    raise ValueError(f"the 999 range has no NHS number left for row {serial}")
                check = nhs_number.calculate_checksum(f"999{serial:06d}")
            row = [
                f"999{serial:06d}{check}", rng.choice(SYLLABLES).capitalize() + "a",
                "".join(rng.choice(SYLLABLES) for _ in range(3)).capitalize(),
                (date(1940, 1, 1) + timedelta(days=rng.randrange(24_000))).isoformat(),
                (date(2025, 6, 1) - timedelta(days=rng.randrange(1000))).isoformat(),
                rng.choice(["gp", "self", "other_health_professional"]), f"07700 900{rng.randrange(1000):03d}",
                f"DN{rng.randrange(1, 12)} {rng.randrange(10)}AB", "low mood and worry; " + rng.choice(SYLLABLES) * 4,
            ]  # fmt: skip
            writer.writerow(row)
            recent.append(row)
    return repeats


def cpu_seconds() -> float:
    """This process's CPU time so far (user + system): on a shared machine, steadier than the clock."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_mb() -> float:
    """This process image's peak resident set size so far, in MB. On Linux VmHWM: ru_maxrss would
    keep the peak of the process it was forked from across the exec. Elsewhere ru_maxrss (KiB on
    other systems, bytes on macOS)."""
    import resource

    with contextlib.suppress(OSError, StopIteration), open("/proc/self/status", encoding="ascii") as status:
        return int(next(line.split()[1] for line in status if line.startswith("VmHWM:"))) / 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1 << 20) if sys.platform == "darwin" else peak / 1024


def import_child(csv_path: str, folder: str) -> dict[str, Any]:
    """The measured side, in its own process: ``import_stream`` into a new encrypted store."""
    import time

    from triage.services.permissions import User
    from triage.services.transfer import import_stream
    from triage.store import open_store

    with open_store(Path(folder) / "import.db", key=os.urandom(32)) as store, open(csv_path, "rb") as stream:
        floor, cpu = peak_mb(), cpu_seconds()
        started = time.perf_counter()
        report = import_stream(store, User("bench", "Bench PWP", "pwp"), stream)
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "cpu": cpu_seconds() - cpu, "peak_mb": peak_mb(), "floor_mb": floor,
            "written": report.written,
            "duplicates": report.duplicates, "problems": len(report.problems)}  # fmt: skip


def bare_child(csv_path: str, folder: str) -> dict[str, Any]:
    """The baseline, in its own process: csv + SQLCipher, an id and one chained audit row per row."""
    import hashlib
    import time
    import uuid

    import sqlcipher3.dbapi2 as sqlcipher

    from triage.store.database import SQLITE_PRAGMAS
    from triage.store.keys import sqlcipher_key

    connection = sqlcipher.connect(str(Path(folder) / "bare.db"), isolation_level=None)
    connection.execute(f"PRAGMA key = {sqlcipher_key(os.urandom(32))}")
    for pragma in (*SQLITE_PRAGMAS, "temp_store = MEMORY"):
        connection.execute(f"PRAGMA {pragma}")
    connection.execute(f"CREATE TABLE referral (id TEXT PRIMARY KEY, {', '.join(f'{f} TEXT' for f in FIELDS)})")
    connection.execute("CREATE TABLE audit (id INTEGER PRIMARY KEY, entity_id TEXT, summary TEXT, prev_hash TEXT, "
                       "hash TEXT)")  # fmt: skip
    floor, cpu = peak_mb(), cpu_seconds()
    started = time.perf_counter()
    written, prev = 0, "0" * 64
    with open(csv_path, encoding="utf-8", newline="") as stream:
        reader = csv.reader(stream)
        next(reader)
        connection.execute("BEGIN IMMEDIATE")
        while batch := [row for _, row in zip(range(2000), reader, strict=False)]:
            referrals, events = [], []
            for row in batch:
                rid = str(uuid.uuid4())
                written += 1
                content = json.dumps([written, rid, "referral received"])
                prev = hashlib.sha256((prev + content).encode()).hexdigest()
                referrals.append((rid, *row))
                events.append((written, rid, "referral received", prev))
            connection.executemany(f"INSERT INTO referral VALUES (?{', ?' * len(FIELDS)})", referrals)
            connection.executemany("INSERT INTO audit VALUES (?, ?, ?, NULL, ?)", events)
        connection.execute("COMMIT")
    seconds = time.perf_counter() - started
    connection.close()
    return {"seconds": seconds, "cpu": cpu_seconds() - cpu, "peak_mb": peak_mb(), "floor_mb": floor, "written": written}


def _in_child(side: str, csv_path: Path, folder: Path) -> dict[str, Any]:
    code = (
        f"import json, sys; from bench.bench_import import {side}; print(json.dumps({side}(sys.argv[1], sys.argv[2])))"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-c", code, str(csv_path), str(folder)], capture_output=True, text=True,
                          env=env, cwd=ROOT, check=False)  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"{side} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


def run() -> list[str]:
    with tempfile.TemporaryDirectory(prefix="triage-bench-") as name:
        folder = Path(name)
        path = folder / "referrals.csv"
        repeats = write_csv(path, ROWS)
        size_mb = path.stat().st_size / 1e6
        bare = _in_child("bare_child", path, folder)
        ours = _in_child("import_child", path, folder)
    if bare["written"] != ROWS:
        raise RuntimeError(f"the bare insert wrote {bare['written']} of {ROWS} rows")
    if (ours["written"], ours["duplicates"], ours["problems"]) != (ROWS, repeats, 0):
        raise RuntimeError(f"the import wrote {ours['written']} of {ROWS} ({ours['duplicates']} duplicates, "
                           f"{repeats} expected; {ours['problems']} problems)")  # fmt: skip
    time_ratio, cpu_ratio = ours["seconds"] / bare["seconds"], ours["cpu"] / bare["cpu"]
    memory_ratio = ours["peak_mb"] / bare["peak_mb"]

    def row(label: str, side: dict[str, Any]) -> str:
        return (f"| {label} | {side['seconds']:.1f} | {side['cpu']:.1f} | {side['seconds'] / ROWS * 1e6:.0f} | "
                f"{side['peak_mb']:.0f} | {side['floor_mb']:.0f} |")  # fmt: skip

    return [
        f"{ROWS:,} rows, {size_mb:.0f} MB of CSV, {repeats:,} flagged as possible duplicates; each side in a "
        "fresh process",
        "",
        "| | seconds | CPU seconds | µs per row | peak RSS MB | RSS before the import MB |",
        "|---|---|---|---|---|---|",
        row("bare sqlcipher3 insert + chained audit row (baseline)", bare),
        row("`import_stream`, encrypted store", ours),
        "",
        f"time: {time_ratio:.1f}× the bare insert ({cpu_ratio:.1f}× in CPU time; budget ≤ {IMPORT_VS_BARE_INSERT:g}×): "
        f"{verdict(time_ratio <= IMPORT_VS_BARE_INSERT)}",
        f"peak memory: {ours['peak_mb']:.0f} MB, {memory_ratio:.1f}× the bare insert's (budget < "
        f"{IMPORT_PEAK_MB:g} MB): {verdict(ours['peak_mb'] < IMPORT_PEAK_MB)}",
    ]
