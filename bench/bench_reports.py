"""Reports over 100,000 referrals in the encrypted store, beside reading the same rows with bare SQL.

Budget (docs/design.md, "Budgets"): every report over 100,000 referrals under 2 s. Each report of
``services.reports.REPORTS`` is run as a service manager over the whole range (every referral
counted), through ``run_report``: its checks, its queries, its tables and its audit event. Baseline in
the same run: the referral and screening rows a report reads, selected with ``sqlcipher3`` on the same
file, key and pragmas (no ORM, no objects, no arithmetic): the floor any report over these rows stands
on. The referrals are written straight into the tables (synthetic people, 999-range NHS numbers; a
third screened, half contacted, one in twenty flagged inappropriate), since importing them is timed by
the store benchmark. Each report must count every referral before anything is timed.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bench import time_rounds
from bench.budgets import REPORT_S, verdict
from triage.services.permissions import User
from triage.services.reports import REPORTS, ReportRange, run_report
from triage.store import open_store
from triage.store.database import SQLITE_PRAGMAS
from triage.store.keys import sqlcipher_key

MANY = int(os.environ.get("TRIAGE_BENCH_REFERRALS", "100000"))  # fewer only to try the benchmark out
ROUNDS = 5
MANAGER = User("bench.manager", "Bench Manager", "service_manager")
FIRST = date(2025, 1, 1)
SOURCES = ("gp", "gp", "gp", "self", "jobcentre", "other_health_professional")
BASELINE = (
    "SELECT r.id, r.reference, r.received_on, r.source, r.status, r.current_route, r.current_step, r.opted_in_on,"
    " r.first_contact_on, r.treatment_started_on, r.gp_practice_code, r.inappropriate_reason,"
    " r.inappropriate_referrer FROM referral r WHERE r.received_on BETWEEN ? AND ? ORDER BY r.received_on, r.id",
    "SELECT s.referral_id, s.screened_at, s.long_term_conditions, s.medically_unexplained_symptoms FROM screening s"
    " JOIN referral r ON r.id = s.referral_id WHERE r.received_on BETWEEN ? AND ? ORDER BY s.screened_at, s.id",
)


def seed(path: Path, key: bytes) -> None:
    from sqlalchemy import insert

    from triage.store.models import Person, Referral, Screening

    now = datetime.now(UTC)
    with open_store(path, key=key) as store, store.write() as session:
        people, referrals, screenings = [], [], []
        for i in range(MANY):
            received = FIRST + timedelta(days=i % 600)
            people.append({"id": str(uuid.UUID(int=i + 1)), "nhs_number": f"9{i:09d}", "given_name": "Test",
                           "family_name": f"Family{i:06d}", "name_key": f"family{i:06d}", "given_key": "test",
                           "date_of_birth": date(1950, 1, 1) + timedelta(days=i % 20000), "version": 1})  # fmt: skip
            flagged = i % 20 == 0
            referrals.append({"id": str(uuid.UUID(int=MANY + i + 1)), "person_id": people[-1]["id"],
                              "received_on": received, "source": SOURCES[i % len(SOURCES)],
                              "status": "screened" if i % 3 == 0 else "contacted" if i % 2 == 0 else "received",
                              "first_contact_on": received + timedelta(days=i % 9) if i % 2 == 0 or i % 3 == 0 else None,
                              "inappropriate_reason": "outside_remit" if flagged else None,
                              "inappropriate_referrer": f"Dr {i % 40:02d}" if flagged else None,
                              "created_at": now, "updated_at": now, "version": 1, "reference": f"TST-{i + 1:06d}"})  # fmt: skip
            if i % 3 == 0:
                screenings.append({"id": str(uuid.UUID(int=3 * MANY + i + 1)), "referral_id": referrals[-1]["id"],
                                   "screened_at": datetime.combine(received + timedelta(days=i % 12), datetime.min.time(), UTC),
                                   "screened_by": "bench", "phq9": [1] * 9, "gad7": [1] * 7, "chronicity": "low",
                                   "complexity": "low", "impairment": "low", "substance_use": "low", "risk": "low",
                                   "long_term_conditions": ["Diabetes"] if i % 7 == 0 else [],
                                   "medically_unexplained_symptoms": i % 11 == 0})  # fmt: skip
        session.execute(insert(Person), people)
        session.execute(insert(Referral), referrals)
        session.execute(insert(Screening), screenings)


def run() -> list[str]:
    import sqlcipher3.dbapi2 as sqlcipher

    with tempfile.TemporaryDirectory(prefix="triage-bench-") as folder:
        path, key = Path(folder) / "bench.db", os.urandom(32)
        seed(path, key)
        store = open_store(path, key=key)
        bare = sqlcipher.connect(str(path))
        bare.execute(f"PRAGMA key = {sqlcipher_key(key)}")
        for pragma in (*SQLITE_PRAGMAS, "query_only = ON"):
            bare.execute(f"PRAGMA {pragma}")
        whole = ReportRange(FIRST, FIRST + timedelta(days=600))
        span = (whole.start.isoformat(), whole.end.isoformat())

        def baseline() -> int:
            return sum(len(bare.execute(sql, span).fetchall()) for sql in BASELINE)

        lines = [f"{MANY:,} referrals, {MANY // 3 + 1:,} screened, on the encrypted store (SQLCipher)", "",
                 "| report | service s | sqlcipher3 rows s | ratio | budget | verdict |", "|---|---|---|---|---|---|"]  # fmt: skip
        try:
            for name in REPORTS:
                counted = run_report(store, MANAGER, name, whole).referrals
                if counted != MANY:
                    raise RuntimeError(f"{name}: counted {counted} of {MANY} referrals")
                timings = time_rounds({"service": lambda name=name: run_report(store, MANAGER, name, whole),
                                       "bare": baseline}, ROUNDS)  # fmt: skip
                ours, theirs = timings["service"], timings["bare"]
                lines.append(f"| {name} | {ours.best:.2f} ({ours.median:.2f}) | {theirs.best:.2f} ({theirs.median:.2f}) "
                             f"| {ours.best / theirs.best:.1f}× | < {REPORT_S:.0f} s | {verdict(ours.best < REPORT_S)} |")  # fmt: skip
        finally:
            bare.close()
            store.close()
    lines += ["", f"best of {ROUNDS} rounds after a warm-up, median in brackets; the baseline reads the rows only"]
    return lines
