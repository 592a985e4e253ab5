"""Store search: the referral list over 100,000 referrals in the encrypted store, beside the same SQL run bare.

Budget (docs/design.md, "Budgets", stated there at 1,000,000 referrals on the encrypted store; measured
here at 100,000 on the encrypted store users have, SQLCipher): first screen under 50 ms, NHS-number search under 10 ms, name search
under 50 ms, first page sorted by any column under 20 ms, each within 2x the same SQL run bare. The data: 100,000 synthetic referrals (NHS numbers in the never-issued
999 range, made-up names) imported through ``import_file`` -- the path ``triage referrals import``
takes: parse, validate, write in one audited transaction -- into a temporary encrypted store. Each
query is then timed through the service (``referral_page`` / ``count_referrals``: SQLAlchemy, rows
built as ``ReferralRow``) and as the very same SQL text through ``sqlcipher3`` on the same file, with
the same key and pragmas (a bare baseline: no ORM, no objects). Both must return the same rows before anything is timed.
"""

from __future__ import annotations

import json
import os
import random
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import nhs_number

from bench import Timing, time_rounds
from bench.budgets import (
    LIST_EXACT_SEARCH_MS,
    LIST_FIRST_SCREEN_MS,
    LIST_NAME_SEARCH_MS,
    LIST_SORTED_PAGE_MS,
    LIST_VS_RAW_SQL,
    verdict,
)
from triage.services.permissions import User
from triage.services.referral_list import ReferralFilter, count_query, count_referrals, page_query, referral_page
from triage.services.transfer import import_file
from triage.store import open_store, verify_database
from triage.store.database import SQLITE_PRAGMAS
from triage.store.keys import sqlcipher_key

BENCH_USER = User("bench", "Bench PWP", "pwp")  # the service checks roles; a PWP may import and search

REFERRALS = int(os.environ.get("TRIAGE_BENCH_REFERRALS", "100000"))  # fewer only to try the benchmark out
ROUNDS = 30
SYLLABLES = ["ab", "bel", "car", "dun", "ed", "fen", "gar", "hol", "ing", "jo", "kel", "lam", "mor", "nor",
             "ow", "pen", "quin", "ros", "sta", "tor", "ul", "ven", "wat", "yar"]  # fmt: skip


def synthetic(count: int, seed: int = 7) -> tuple[list[dict[str, str]], list[str], list[str]]:
    """Referrals with unissued NHS numbers and made-up names; ~5% are the same person again."""
    rng = random.Random(seed)
    rows: list[dict[str, str]] = []
    numbers: list[str] = []
    families = sorted(
        {"".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize() for _ in range(6000)}
    )
    serial = 0
    while len(rows) < count:
        if numbers and rng.random() < 0.05:
            again = rows[rng.randrange(len(rows))]
            rows.append({**again, "received_on": (date(2025, 6, 1) - timedelta(days=rng.randrange(60))).isoformat()})
            continue
        serial += 1
        stem = f"999{serial:06d}"
        check = nhs_number.calculate_checksum(stem)
        if check is None or check == 10:
            continue
        numbers.append(stem + str(check))
        rows.append({
            "nhs_number": numbers[-1], "given_name": rng.choice(SYLLABLES).capitalize() + "a",
            "family_name": rng.choice(families),
            "date_of_birth": (date(1940, 1, 1) + timedelta(days=rng.randrange(24_000))).isoformat(),
            "received_on": (date(2025, 6, 1) - timedelta(days=rng.randrange(3 * 365))).isoformat(),
            "source": rng.choice(["gp", "self", "other_health_professional"]),
        })  # fmt: skip
    return rows, numbers, families


def run() -> list[str]:
    rows, numbers, families = synthetic(REFERRALS)
    # one element a line, as an export writes them: an import refuses a line over 1,000,000 characters
    raw = ("[\n" + ",\n".join(json.dumps(row) for row in rows) + "\n]\n").encode()
    with tempfile.TemporaryDirectory(prefix="triage-bench-") as folder:
        path = Path(folder) / "bench.db"
        key = os.urandom(32)
        store = open_store(path, key=key)
        try:
            started = time.perf_counter()
            report = import_file(store, BENCH_USER, raw)
            imported = time.perf_counter() - started
            if report.written != REFERRALS or report.problems:
                raise RuntimeError(f"import wrote {report.written} of {REFERRALS} ({len(report.problems)} problems)")
            started = time.perf_counter()
            problems = verify_database(store)
            verified = time.perf_counter() - started
            if problems:
                raise RuntimeError(f"the imported store does not verify: {problems}")
            return _measure(store, path, key, numbers, families, imported, verified, report.duplicates)
        finally:
            store.close()


def _measure(store: Any, path: Path, key: bytes, numbers: list[str], families: list[str], imported: float,
             verified: float, duplicates: int) -> list[str]:  # fmt: skip
    rng = random.Random(11)
    number = numbers[rng.randrange(len(numbers))]
    prefix = families[rng.randrange(len(families))][:4].lower()
    cases: list[tuple[str, str, ReferralFilter, dict[str, Any], float]] = [
        ("search by NHS number (page)", "page", ReferralFilter(text=number), {}, LIST_EXACT_SEARCH_MS),
        # what a caller reads out (issue 15, item 5): the number's first six digits, a date of birth
        (f"search by the NHS number's start '{number[:6]}' (page)", "page", ReferralFilter(text=number[:6]), {},
         LIST_NAME_SEARCH_MS),
        ("search by date of birth 14/03/1985 (page)", "page", ReferralFilter(text="14/03/1985"), {},
         LIST_NAME_SEARCH_MS),
        ("search by a given name alone ', Bela' (page)", "page", ReferralFilter(text=", Bela"), {},
         LIST_NAME_SEARCH_MS),
        ("count by date of birth 14/03/1985", "count", ReferralFilter(text="14/03/1985"), {}, LIST_NAME_SEARCH_MS),
        (f"search by family-name prefix '{prefix}' (page)", "page", ReferralFilter(text=prefix), {}, LIST_NAME_SEARCH_MS),
        ("first screen: newest 100 (page)", "page", ReferralFilter(), {}, LIST_FIRST_SCREEN_MS),
        ("first screen: count all", "count", ReferralFilter(), {}, LIST_FIRST_SCREEN_MS),
        (f"count of family-name prefix '{prefix}'", "count", ReferralFilter(text=prefix), {}, LIST_NAME_SEARCH_MS),
        ("first 100 by family name", "page", ReferralFilter(), {"sort": "family_name", "descending": False},
         LIST_SORTED_PAGE_MS),
        ("first 100 by route", "page", ReferralFilter(), {"sort": "route", "descending": False}, LIST_SORTED_PAGE_MS),
        ("first 100 received, status filter", "page", ReferralFilter(statuses=("received", "contacted")), {},
         LIST_FIRST_SCREEN_MS),
    ]  # fmt: skip
    import sqlcipher3.dbapi2 as sqlcipher

    bare = sqlcipher.connect(str(path))
    bare.execute(f"PRAGMA key = {sqlcipher_key(key)}")
    for pragma in (*SQLITE_PRAGMAS, "query_only = ON"):
        bare.execute(f"PRAGMA {pragma}")
    lines = [
        f"import of {REFERRALS:,} referrals (parse + validate + one transaction, {duplicates:,} flagged duplicates): "
        f"{imported:.1f} s ({imported / REFERRALS * 1e6:.0f} µs per referral); verify_database after: {verified:.1f} s",
        "",
        "| query | service ms | sqlcipher3 ms | ratio | budget | verdict |",
        "|---|---|---|---|---|---|",
    ]
    for label, kind, flt, options, budget in cases:
        query = page_query(flt, dialect="sqlite", **options) if kind == "page" else count_query(flt, dialect="sqlite")
        compiled = query.compile(dialect=store.engine.dialect, compile_kwargs={"render_postcompile": True})
        params = [compiled.params[name] for name in compiled.positiontup or ()]
        sql = str(compiled)

        def service(flt: ReferralFilter = flt, kind: str = kind, options: dict[str, Any] = options) -> Any:
            if kind == "page":
                return [row.id for row in referral_page(store, BENCH_USER, flt, **options)]
            return count_referrals(store, BENCH_USER, flt)

        def baseline(sql: str = sql, params: list[Any] = params, kind: str = kind) -> Any:
            result = bare.execute(sql, params).fetchall()
            return [row[0] for row in result] if kind == "page" else result[0][0]

        if service() != baseline():
            raise RuntimeError(f"{label}: the service and sqlcipher3 disagree")
        if kind == "page" and not service():
            raise RuntimeError(f"{label}: no rows (the benchmark data is wrong)")
        timings: dict[str, Timing] = time_rounds({"service": service, "sqlcipher3": baseline}, ROUNDS)
        ours, theirs = timings["service"], timings["sqlcipher3"]
        ratio = ours.best / theirs.best
        lines.append(
            f"| {label} | {ours.best * 1000:.2f} ({ours.median * 1000:.2f}) | {theirs.best * 1000:.2f} "
            f"({theirs.median * 1000:.2f}) | {ratio:.1f}× | < {budget:.0f} ms, ≤ {LIST_VS_RAW_SQL:.0f}× | "
            f"{verdict(ours.best * 1000 < budget and ratio <= LIST_VS_RAW_SQL)} |"
        )
    bare.close()
    lines.append("")
    lines.append(
        f"best of {ROUNDS} rounds after a warm-up, median in brackets; the same SQL text and parameters in both columns"
    )
    return lines
