"""For 1,000 generated records, each letter carries exactly that record's identifiers and no other
record's: the name, date of birth and NHS number found in the extracted text are the record's own.

Records are synthetic (names from word lists, NHS numbers in the 999 test range with valid check
digits); every route and all three kinds of letter occur among them. Built and extracted in
process; the runtime is printed (pytest -s) so it can be watched.
"""

from __future__ import annotations

import multiprocessing
import random
import re
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from datetime import date, timedelta
from typing import Any

from tests.letters.cases import BASE, RISK_ACTIONS, build, page_texts
from triage.letters.command import parse_letter_input
from triage.rules.engine import route
from triage.rules.ruleset import default_ruleset

RECORDS = 1000
GIVEN = [
    "Amara",
    "Bilal",
    "Ciara",
    "Dmitri",
    "Eilidh",
    "Farah",
    "Gareth",
    "Hana",
    "Idris",
    "Jolene",
    "Kofi",
    "Lowri",
    "Mateusz",
    "Niamh",
    "Oluwaseun",
    "Pavel",
    "Quentin",
    "Rhiannon",
    "Siobhan",
    "Tariq",
    "Ulla",
    "Vikram",
    "Wren",
    "Xanthe",
    "Yusuf",
    "Zofia",
    "Anwen",
    "Bartosz",
    "Catrin",
    "Declan",
    "Esme",
    "Fionn",
]
FAMILY = ["Abernethy", "Brightwater", "Castellano", "Dunmore", "Ellingham", "Fairbairn", "Gallacher",
          "Hollinshead", "Ironside", "Jarrold", "Kettlewell", "Lindqvist", "Mcallister", "Northcott",
          "Oyelaran", "Pemberton", "Quarrie", "Rowntree", "Summerfield", "Thistlewood", "Underhill",
          "Vasquez", "Whitelock", "Yardley", "Zielinski", "Ashdown", "Blackwood", "Crowther", "Drinkwater",
          "Eversley", "Fenwick", "Greenhalgh"]  # fmt: skip
MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
NAME = re.compile(rf"\b({'|'.join(GIVEN)}) ({'|'.join(FAMILY)})\b")
NHS = re.compile(r"\b\d{3} \d{3} \d{4}\b")
BIRTH = re.compile(rf"\b\d{{1,2}} (?:{MONTHS}) (19\d\d|200\d)\b")  # letter and referral dates are 2025


def nhs_numbers(rng: random.Random, count: int) -> list[str]:
    """Distinct NHS numbers 999xxxxxxC with a valid modulus 11 check digit."""
    found: set[str] = set()
    while len(found) < count:
        body = "999" + "".join(rng.choice("0123456789") for _ in range(6))
        remainder = sum(int(d) * w for d, w in zip(body, range(10, 1, -1), strict=True)) % 11
        check = (11 - remainder) % 11
        if check != 10:
            found.add(body + str(check))
    return sorted(found, key=lambda _: rng.random())


def records() -> list[dict[str, Any]]:
    rng = random.Random(20250314)
    names = rng.sample([(g, f) for g in GIVEN for f in FAMILY], RECORDS)
    births = rng.sample(range(0, 365 * 60), RECORDS)
    numbers = nhs_numbers(rng, RECORDS)
    ruleset = default_ruleset()
    out = []
    for index in range(RECORDS):
        given, family = names[index]
        data: dict[str, Any] = {
            **BASE,
            "phq9": rng.randint(0, 27),
            "gad7": rng.randint(0, 21),
            "chronicity": rng.choice(["low", "medium", "high"]),
            "complexity": rng.choice(["low", "medium", "medium", "high"]),
            "impairment": rng.choice(["low", "medium", "medium", "high"]),
            "substance_use": rng.choice(["low", "low", "medium", "high"]),
            "risk": rng.choice(["low", "low", "medium", "high"]),
            "previous_unhelpful_interventions": rng.choice([0, 0, 1, 2, 3]),
            "long_term_conditions": rng.choice([[], [], ["asthma"]]),
            "patient": {
                "given_name": given,
                "family_name": family,
                "date_of_birth": (date(1945, 1, 1) + timedelta(days=births[index])).isoformat(),
                "nhs_number": numbers[index],
            },
            "referral": {"received_on": "2025-02-20", "source": "gp", "id": f"TT-{index:06d}"},
        }
        routing = route(parse_letter_input(data).screening, ruleset)
        decision: dict[str, Any] = {}
        if routing.needs_confirmation:
            decision["confirmed_route"] = routing.route
        if data["risk"] in ("medium", "high"):
            decision["risk_actions"] = RISK_ACTIONS
        if data["risk"] == "high":
            decision["override_reason"] = "Active plan disclosed; the crisis team can assess today."
        if decision:
            data["decision"] = decision
        iapt = routing.route in ("core_iapt", "integrated_iapt")
        data["_kind"] = ("gp", "patient", "gp" if iapt else "referral-on")[index % 3]
        out.append(data)
    return out


def check(data: dict[str, Any]) -> tuple[str, str | None]:
    """Build one record's letter and check its identifiers: (kind, the first problem or None)."""
    kind = data.pop("_kind")
    patient = data["patient"]
    text = " ".join(page_texts(build(data, kind).pdf))
    born = date.fromisoformat(patient["date_of_birth"])
    number = patient["nhs_number"]
    checks = {
        "names": set(NAME.findall(text)) == {(patient["given_name"], patient["family_name"])},
        "NHS numbers": set(NHS.findall(text)) == {f"{number[:3]} {number[3:6]} {number[6:]}"},
        "birth years": set(BIRTH.findall(text)) == {str(born.year)},
        "date of birth": f"{born.day} {born.strftime('%B')} {born.year}" in text,
    }
    failed = [name for name, ok in checks.items() if not ok]
    # The referral id is not an identifier of the person: safe in a failure message.
    return kind, f"{data['referral']['id']} ({kind}): wrong {', '.join(failed)}" if failed else None


def test_each_letter_carries_its_own_identifiers_and_no_other_records() -> None:
    start = time.perf_counter()
    # Two processes (the CI machine has two cores): about 50 ms a letter, build and extraction.
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        results = list(pool.map(check, records(), chunksize=50))
    elapsed = time.perf_counter() - start
    kinds = Counter(kind for kind, _ in results)
    print(f"\n{RECORDS} letters built and checked in {elapsed:.1f} s; {dict(kinds)}")
    assert [problem for _, problem in results if problem] == []
    assert set(kinds) == {"gp", "patient", "referral-on"}
