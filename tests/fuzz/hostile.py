"""Hostile inputs for every command, built from one seed, each seeded with identifiers (issue 13).

Hypothesis draws the seed; a ``random.Random`` builds the input from it. Building a structured document
through Hypothesis's own strategies costs 10 to 30 ms a case on this machine (a second strategy, even
``st.text()``, adds 0.4 ms), and 10,000 cases for each of seven inputs must fit in CI's few minutes: a
seeded generator costs a tenth of a millisecond, and a failure still names its seed, to replay it.

Every builder returns the input and the identifiers put into it: NHS numbers (valid check digit, in
the never-issued 999 range, with and without spaces), names and dates of birth, in the places a person
or a spreadsheet puts them, in the places they do not belong (as a key, a column name, a username, a
URL's password) and next to near-misses of every field. No message may repeat one of them.
"""

from __future__ import annotations

import copy
import json
import os
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, settings

from tests.rules.fuzz import FIELDS as SCREENING_FIELDS
from tests.rules.fuzz import valid as valid_screening
from tests.store.conftest import make_nhs_number

CI = os.environ.get("HYPOTHESIS_PROFILE") == "ci"
IN_PROCESS = 10_000 if CI else 300  # cases per input at its parsing and validation layer
# Cases per input through `python -m triage`: 200 in CI. A command that reads the store imports the services
# and logs in (about 1.5 s of CPU a process here), one that does not about 0.4 s: more of the second.
THROUGH_A_PROCESS = {"route": 60, "letter": 60, "database": 20, "import-json": 15, "import-csv": 15, "logins": 15,
                     "key-file": 15} if CI else dict.fromkeys(("route", "letter", "database", "import-json",
                                                               "import-csv", "logins", "key-file"), 3)  # fmt: skip

# deadline: a case's time varies with the machine's load, not with the input. too_slow: a case writes a
# file or derives a key, on purpose. function_scoped_fixture: the fixtures (a folder, the environment, a
# fixture store) are the same for every case, and each case writes every file it reads. database=None:
# CI keeps nothing between runs, and a failing seed is printed.
fuzzed = settings(
    max_examples=IN_PROCESS,
    deadline=None,
    database=None if CI else settings().database,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

GIVEN = ("Marigold", "Zoë", "Siobhán", "Thandiwe", "Oluwaseun", "Bartholomew", "Ffion", "Małgorzata")
FAMILY = ("Quennell", "Secretfamily", "Okonkwo-Baptiste", "Thistlewood", "Ó Súilleabháin", "Nakamura-Reyes")


@dataclass
class Hostile:
    """One case: the input (bytes, a document or a text) and the identifiers it holds."""

    value: Any
    identifiers: tuple[str, ...]

    def leaked(self, *texts: str) -> list[str]:
        """The identifiers that appear in any of ``texts`` (compared case-insensitively)."""
        joined = "\n".join(texts).casefold()
        return [i for i in self.identifiers if i.casefold() in joined]


class People:
    """The identifiers of one case, drawn from its generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        nhs = make_nhs_number(rng.randrange(1_000_000))
        self.nhs, self.spaced = nhs, f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}"
        self.given, self.family = rng.choice(GIVEN), rng.choice(FAMILY)
        self.born = f"{rng.randint(1930, 2005)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"

    @property
    def all(self) -> tuple[str, ...]:
        return (self.nhs, self.spaced, self.given, self.family, self.born)

    def one(self) -> Any:
        """An identifier as a value: text, or the NHS number as a JSON number."""
        return self.rng.choice([*self.all, int(self.nhs), f"{self.given} {self.family}", f" {self.nhs}\t"])


def snippet(rng: random.Random) -> str:
    """A few code points of any kind: controls, lone surrogates, combining marks, astral characters."""
    ranges = ((0, 0x1F), (0x20, 0x7E), (0x80, 0x24F), (0x300, 0x36F), (0x2000, 0x206F), (0xD800, 0xDFFF),
              (0xFE00, 0xFFFF), (0x1F300, 0x1FAFF), (0xE0000, 0xE007F))  # fmt: skip
    return "".join(chr(rng.randint(*rng.choice(ranges))) for _ in range(rng.randint(0, 6)))


def junk(rng: random.Random, people: People, keys: tuple[str, ...] = (), depth: int = 0) -> Any:
    """Any JSON value, biased to the near-misses that break validators, often an identifier."""
    choice = rng.random()
    if choice < 0.25:
        return people.one()
    if choice < 0.35 and depth < 3:
        return [junk(rng, people, keys, depth + 1) for _ in range(rng.randint(0, 4))]
    if choice < 0.45 and depth < 3:
        names = [*keys, people.nhs, people.family, "", "extra"]
        return {rng.choice(names): junk(rng, people, keys, depth + 1) for _ in range(rng.randint(0, 3))}
    return rng.choice([
        None, True, False, 0, -1, 3, 27, 28, 2**63, -(10**30), 1.5, 3.0, -0.0, float("nan"), float("inf"),
        "", " ", "low", "LOW", "high ", "medium", "gp", "2024-02-30", "2024-05-01", "1900-01-01", "null", "3",
        "x" * 10_001, "\u202e", "\u200b", "\x00", "é", "=cmd|' /C calc'!A0", "@SUM(1)", "\ud800", "🙂",
    ])  # fmt: skip


def mangle(rng: random.Random, text: str, people: People, snippet: str) -> bytes:
    """``text`` as bytes, usually whole; sometimes cut short, spliced, nested, re-encoded or prefixed."""
    kind = rng.random()
    if kind < 0.6:
        return text.encode("utf-8", "surrogatepass")
    at = rng.randint(0, len(text))
    if kind < 0.68:
        return text[:at].encode("utf-8", "surrogatepass")
    if kind < 0.76:
        inserted = rng.choice([snippet, str(people.one()), '"', ",", "{", "]", "\n", "\\", "\x00", "9" * 5000])
        return (text[:at] + inserted + text[at:]).encode("utf-8", "surrogatepass")
    if kind < 0.82:
        return (("[" * rng.choice([100, 2000, 100_000])) + text).encode("utf-8", "surrogatepass")
    if kind < 0.88:
        return text.encode(rng.choice(["utf-16", "utf-16-le", "utf-32", "cp1252"]), "replace")
    if kind < 0.93:
        return b"\xef\xbb\xbf" + text.encode("utf-8", "surrogatepass")
    if kind < 0.97:
        return text.encode("utf-8", "surrogatepass")[:at] + bytes([rng.choice([0x80, 0xC3, 0xFF, 0xFE])])
    return rng.choice([b"", b" ", b"null", b"[]", b"{}", b"\xff\xfe", snippet.encode("utf-8", "surrogatepass")])


def dumps(rng: random.Random, document: Any) -> str:
    text = json.dumps(document, ensure_ascii=rng.random() < 0.5)
    if isinstance(document, dict) and document and rng.random() < 0.05:  # the same key twice
        key = json.dumps(rng.choice(list(document)))
        text = "{" + f"{key}: 1, " + text[1:]
    return text


def _paths(document: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside ``document``."""
    found = [prefix]
    if isinstance(document, dict):
        for key, value in document.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            found += _paths(value, (*prefix, index))
    return found


def break_somewhere(rng: random.Random, document: Any, people: People, keys: tuple[str, ...]) -> Any:
    """One thing wrong somewhere in ``document``: a value replaced, removed or joined by an unknown key."""
    path = rng.choice(_paths(document))
    if not path:
        return junk(rng, people, keys)
    parent = document
    for part in path[:-1]:
        parent = parent[part]
    kind = rng.random()
    if kind < 0.6:
        parent[path[-1]] = junk(rng, people, keys)
    elif kind < 0.8:
        parent.pop(path[-1])
    elif isinstance(parent, dict):
        parent[rng.choice([people.nhs, people.family, people.born, "nhs_number", "extra"])] = people.one()
    else:
        parent.append(junk(rng, people, keys))
    return document


# --- the inputs --------------------------------------------------------------------------------------


def route_input(rng: random.Random, snippet: str) -> Hostile:
    """``triage route``'s standard input: a screening or an array of them, with one to three things wrong."""
    people = People(rng)
    documents = []
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        document = valid_screening(rng)
        for _ in range(rng.randint(1, 3)):
            document = break_somewhere(rng, document, people, tuple(SCREENING_FIELDS))
        documents.append(document)
    chosen: Any = documents[0] if len(documents) == 1 and rng.random() < 0.8 else documents
    return Hostile(mangle(rng, dumps(rng, chosen), people, snippet), people.all)


def letter_input(rng: random.Random, snippet: str, base: dict[str, Any]) -> Hostile:
    """``triage letter``'s input file: a valid case with the person's details put in, then broken."""
    people = People(rng)
    document = copy.deepcopy(base)
    document["patient"].update(given_name=people.given, family_name=people.family, date_of_birth=people.born,
                               nhs_number=rng.choice([people.nhs, people.spaced]))  # fmt: skip
    keys = tuple({str(path[-1]) for path in _paths(base) if path and isinstance(path[-1], str)})
    for _ in range(rng.randint(1, 3)):
        document = break_somewhere(rng, document, people, keys)
    return Hostile(mangle(rng, dumps(rng, document), people, snippet), people.all)


ROW_FIELDS = ("nhs_number", "given_name", "family_name", "date_of_birth", "received_on", "source",
              "gp_practice_code", "phone", "postcode", "interpreter_language", "notes", "returned_from")  # fmt: skip


def referral_row(rng: random.Random, people: People) -> dict[str, Any]:
    return {"nhs_number": rng.choice([people.nhs, people.spaced]), "given_name": people.given,
            "family_name": people.family, "date_of_birth": people.born, "received_on": "2024-05-01",
            "source": "gp", "notes": f"{people.given} {people.family}, born {people.born}"}  # fmt: skip


def import_json(rng: random.Random, snippet: str) -> Hostile:
    """A ``referrals import`` JSON file: an array of referrals with one to three things wrong."""
    people = People(rng)
    rows: list[Any] = [referral_row(rng, people) for _ in range(rng.randint(1, 4))]
    for _ in range(rng.randint(1, 3)):
        rows = break_somewhere(rng, rows, people, ROW_FIELDS)
    return Hostile(mangle(rng, dumps(rng, rows), people, snippet), people.all)


def import_csv(rng: random.Random, snippet: str) -> Hostile:
    """A ``referrals import`` CSV file (comma or tab separated, as spreadsheets save them), with a wrong
    header, a wrong number of cells, broken quoting, formula cells or identifiers where they do not go."""
    people = People(rng)
    header = list(rng.sample(ROW_FIELDS, rng.randint(3, len(ROW_FIELDS))))
    if rng.random() < 0.15:
        header[rng.randrange(len(header))] = rng.choice([people.family, people.nhs, "id", "status", "Source "])
    rows = []
    for _ in range(rng.randint(0, 4)):
        row = referral_row(rng, people)
        cells = [str(row.get(name, rng.choice(["", "x", "9"]))) for name in header]
        for _ in range(rng.randint(0, 2)):
            value = junk(rng, people)
            cells[rng.randrange(len(cells))] = value if isinstance(value, str) else json.dumps(value)
        if rng.random() < 0.1:
            cells = cells[: rng.randrange(len(cells))] or [people.nhs, "", "", ""]
        rows.append(cells)
    if rng.random() < 0.1:  # no header row: the first referral is taken for one
        header = rows.pop(0) if rows else [people.nhs]
    separator = rng.choice([",", ",", "\t", ";"])

    def cell(text: str) -> str:
        quoted = rng.random() < 0.2 or any(c in text for c in (separator, '"', "\n", "\r"))
        return '"' + text.replace('"', rng.choice(['""', '""', '"'])) + '"' if quoted else text

    newline = rng.choice(["\r\n", "\n", "\r"])
    text = newline.join(separator.join(cell(c) for c in line) for line in [header, *rows]) + newline
    return Hostile(mangle(rng, text, people, snippet), people.all)


def database_argument(rng: random.Random, snippet: str, folder: str) -> Hostile:
    """A ``--database`` argument: a path or a URL, often broken. The identifiers are put where a message
    has no business repeating them (a URL's username, password, host, query, scheme); a file path is
    named in full by the messages about it, so the identifiers put in one are not checked."""
    people = People(rng)
    secret = rng.choice([people.nhs, people.family, people.given])
    kind = rng.random()
    if kind < 0.2:
        text = rng.choice(
            [
                f"{folder}/{people.one()}.db",
                f"{folder}/missing/{secret}/t.db",
                "relative.db",
                "~/t.db",
                f"//server/share/{secret}.db",
                f"{folder}/OneDrive/t.db",
                f"{folder}/t.db\x00x",
                ".",
            ]
        )
        return Hostile(text, ())  # fmt: skip
    scheme = rng.choice(["postgresql", "postgresql+psycopg", "postgres", "postgresql+psycopg2", "sqlite",
                         "sqlite+pysqlite", "mysql", "mssql+pyodbc", secret, "", "post gres", "sqlite+"])  # fmt: skip
    user = rng.choice(["", "triage", secret, f"{secret}:{secret}", f"triage:{secret}", "@", "%zz"])
    host = rng.choice(["db.example.nhs.uk", "localhost:5432", "[::1", "[::1]:99999", secret, "", "host:port"])
    path = rng.choice(["/triage", "", "/", f"/{folder}/t.db", ":memory:", "/file:x.db?mode=memory", "//x"])
    query = rng.choice(["", "?sslmode=disable", f"?sslmode={secret}", "?sslmode=verify-full", f"?{secret}=1",
                        "?sslmode=require&sslmode=disable", "?%", "?sslmode"])  # fmt: skip
    text = f"{scheme}://{user}{'@' if user else ''}{host}{path}{query}"
    if rng.random() < 0.15:
        at = rng.randint(0, len(text))
        text = text[:at] + rng.choice([snippet, "[", "]", "%", "#", "\x00", " "]) + text[at:]
    return Hostile(text, (secret,) if secret in text and "://" in text else ())  # else it is a path


def logins_content(rng: random.Random, snippet: str) -> Hostile:
    """The contents of a ``.logins`` record: mostly its own shape with something wrong, the staff
    usernames made of identifiers (no message or log line may repeat a username it was given)."""
    people = People(rng)
    when = [
        "2024-05-01T09:00:00+00:00", "2999-01-01T00:00:00+00:00", "9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+14:00",
        "2024-05-01T09:00:00", "2024-13-01T00:00:00+00:00", "now", people.born, 1714554000, None,
    ]  # fmt: skip
    names = [people.nhs, people.family, "admin", "", " x", "a" * 101, "\x00", f"{people.given}\n"]
    document: Any = {
        "users": {rng.choice(names): {"failures": rng.choice([0, 4, 5, -1, 10**7, "3", 2.5, None]),
                                      "locked_until": rng.choice(when)} for _ in range(rng.randint(0, 3))},
        "pending": [{"event": rng.choice(["login_failed", "account_locked", "record_unreadable", "login", ""]),
                     "user": rng.choice([*names, None]), "at": rng.choice(when)} for _ in range(rng.randint(0, 3))],
        "recent": [rng.choice(when) for _ in range(rng.randint(0, 4))],
    }  # fmt: skip
    for key in [k for k in document if rng.random() < 0.15]:
        del document[key]
    if rng.random() < 0.3:
        document = break_somewhere(rng, document, people, ("users", "pending", "recent", "failures", "at", "event"))
    if rng.random() < 0.002:  # over the size limit
        document = {"recent": ["2024-05-01T09:00:00+00:00"] * 80_000}
    return Hostile(mangle(rng, dumps(rng, document), people, snippet), people.all)


CHEAP_PARAMS = ({"time_cost": 1, "memory_cost": 8, "parallelism": 1}, {"time_cost": 2, "memory_cost": 64, "parallelism": 2},
                {"time_cost": 1, "memory_cost": 1024, "parallelism": 1})  # fmt: skip
BAD_NUMBERS: tuple[Any, ...] = (0, -1, 65, 4 * 1024 * 1024 + 1, 10**30, "3", "x", 3.7, None, True, [], {}, float("inf"), float("nan"),
               "9" * 5000)  # fmt: skip


def key_file(rng: random.Random, snippet: str, base: dict[str, Any]) -> Hostile:
    """A key file's contents: the fixture store's real one with one to three things altered. The key
    derivation parameters are the cheap ones, or out of the allowed range (refused before any work):
    the largest the file allows (4 GiB, 64 passes) would make each case take minutes."""
    people = People(rng)
    document = copy.deepcopy(base)
    for _ in range(rng.randint(1, 3)):
        wraps = document.get("wraps") if isinstance(document, dict) else None
        wrap = wraps.get("admin") if isinstance(wraps, dict) else None
        kdf = wrap.get("kdf") if isinstance(wrap, dict) else None
        kind = rng.random()
        if kind < 0.3 and isinstance(kdf, dict):
            kdf.update(rng.choice(CHEAP_PARAMS))
            name = rng.choice(["time_cost", "memory_cost", "parallelism", "alg", "salt"])
            if rng.random() < 0.6:
                kdf[name] = rng.choice(BAD_NUMBERS) if name != "salt" else rng.choice(["", "!!", people.nhs, "AAAA"])
        elif kind < 0.45 and isinstance(wrap, dict):
            wrap[rng.choice(["nonce", "sealed", "check", "kdf"])] = rng.choice(
                ["", "AAAA", "*", people.family, None, 7]
            )
        elif kind < 0.55 and isinstance(wraps, dict):
            wraps[rng.choice([people.family, people.nhs, "admin"])] = junk(rng, people) if rng.random() < 0.5 else wrap
        elif kind < 0.65 and isinstance(document, dict):
            document[rng.choice(["database_id", "mac", "format", "recovery"])] = people.one()
        else:
            document = break_somewhere(rng, document, people, ("format", "database_id", "wraps", "recovery", "mac"))
    return Hostile(mangle(rng, dumps(rng, document), people, snippet), people.all)


BUILDERS: dict[str, Callable[..., Hostile]] = {
    "route": route_input, "letter": letter_input, "import-json": import_json, "import-csv": import_csv,
    "database": database_argument, "logins": logins_content, "key-file": key_file,
}  # fmt: skip
