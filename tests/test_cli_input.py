# ruff: noqa: F811  (the fixtures imported from tests/test_cli_store.py are redefined as arguments)
"""Issue 13, items 9, 12, 13, 15 and 17: hostile input to the command line gets one ``error:`` line
and exit 2, never a traceback, never a repeated identifier, and never a write to a file that is not
a store. Most cases run ``main()`` in this process; the no-terminal prompts run a real process with
no terminal and standard input empty or closed, as a script or a service would."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.letters.cases import CASES
from tests.test_cli import VALID
from tests.test_cli_store import (  # noqa: F401  (fixtures, used by name)
    ADMIN,
    LEAD,
    PASSWORDS,
    PWP,
    ROW,
    environment,
    new_store,
    referral_count,
    rows_file,
    run,
    template,
)
from triage.cli import main
from triage.input_limits import MAX_NUMBER_DIGITS
from triage.rules.screening import ALLOWED

HUGE = "9" * 5000  # over Python's 4,300-digit limit for int()
IDENTIFIERS = ("9990000018", "999 000 0018", "Secretfamily", "Zoë", "1985-03-14")


def in_process(*args: str | Path, stdin: bytes = b"") -> tuple[int, str, str]:
    """``main(args)`` with ``stdin`` as standard input; (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main([str(a) for a in args])
    finally:
        sys.stdin = saved
    return code, out.getvalue(), err.getvalue()


# --- item 12: oversized numbers and inputs -------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (f'{{"phq9": {HUGE}}}', f"error: phq9: a number may have at most {MAX_NUMBER_DIGITS} digits\n"),
        (f'[{{"gad7": -{HUGE}}}]', f"error: [0].gad7: a number may have at most {MAX_NUMBER_DIGITS} digits\n"),
        (f'{{"phq9": [1, {HUGE}.5]}}', f"error: phq9[1]: a number may have at most {MAX_NUMBER_DIGITS} digits\n"),
        ('{"risk": "' + "x" * 20_000 + '"}', "error: risk: text may be at most 10,000 characters\n"),
    ],
)  # fmt: skip
def test_route_refuses_an_oversized_number_or_text_naming_the_field(
    tmp_path: Path, document: str, message: str
) -> None:
    code, out, err = in_process("route", stdin=document.encode())
    if document.startswith("["):  # an array: each element gets its result, the bad ones an error
        assert json.loads(out) == [{"error": [message.removeprefix("error: [0].").rstrip()]}]
        out = ""
    assert (code, out, err) == (2, "", message)


def test_route_refuses_a_document_over_the_size_limit() -> None:
    code, out, err = in_process("route", stdin=b" " * 10_000_001 + b"{}")
    assert (code, out, err) == (2, "", "error: input: standard input is larger than 10 MB\n")


def test_letter_refuses_an_oversized_number_without_a_traceback(tmp_path: Path) -> None:
    data = json.loads(json.dumps(next(iter(CASES.values()))))
    text = json.dumps(data).replace('"phq9": ', f'"phq9": {HUGE}, "x": ', 1)
    source = tmp_path / "in.json"
    source.write_text(text, encoding="utf-8")
    code, out, err = in_process("letter", source, "--out", tmp_path / "out.pdf")
    assert code == 2 and out == "" and err.startswith("error: ") and "digits" in err and len(err.splitlines()) == 1
    assert not (tmp_path / "out.pdf").exists() and not any(i in err for i in IDENTIFIERS)


def test_referrals_import_refuses_an_oversized_number_by_row_and_field(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    new_store: Any,
) -> None:
    db = new_store(tmp_path / "t.db")
    source = tmp_path / "in.json"
    source.write_text(f'[{json.dumps(ROW)}, {{"nhs_number": {HUGE}}}]', encoding="utf-8")
    code, out, err = run(capsys, "--database", db, "referrals", "import", source)
    assert code == 2 and out == ""
    assert err.splitlines() == [f"error: row 2: nhs_number: a number may have at most {MAX_NUMBER_DIGITS} digits",
                                "error: nothing was imported: 1 of 2 rows are invalid"]  # fmt: skip
    big_cell = rows_file(tmp_path, [{**ROW, "notes": "n" * 20_000}], "in.csv")
    code, _, err = run(capsys, "--database", db, "referrals", "import", big_cell)
    assert code == 2 and "error: row 1: notes: text may be at most 10,000 characters\n" in err


# --- item 17: an unknown key is not repeated ------------------------------------------------------


def test_route_names_an_unknown_key_by_position_without_repeating_it() -> None:
    document = {**VALID, "9990000018": 1, "Secretfamily": "x"}
    code, out, err = in_process("route", stdin=json.dumps(document).encode())
    assert code == 2 and out == ""
    assert err.splitlines() == [
        f"error: ({position}): unknown field; the fields are {', '.join(ALLOWED)}"
        for position in (f"field {len(VALID) + 1}", f"field {len(VALID) + 2}")
    ]
    code, out, err = in_process("route", stdin=b'{"9990000018": 1, "9990000018": 2}')
    assert (code, err) == (2, "error: input: a field is given more than once in the same object\n")


_KEYS = st.sampled_from([*ALLOWED, *IDENTIFIERS])
_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.sampled_from([*IDENTIFIERS, "low", "high"])
    | st.just(int(HUGE[:30])) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=9) | st.dictionaries(_KEYS, inner, max_size=3),
    max_leaves=6,
)  # fmt: skip


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(_KEYS, _VALUES, max_size=12) | st.lists(st.dictionaries(_KEYS, _VALUES, max_size=6), max_size=2))
def test_route_input_fuzzed_gives_no_traceback_and_repeats_no_identifier(document: Any) -> None:
    code, out, err = in_process("route", stdin=json.dumps(document).encode())
    assert code in (0, 2)
    assert "Traceback" not in err and all(line.startswith("error: ") for line in err.splitlines())
    assert not any(identifier in out + err for identifier in IDENTIFIERS), (out, err)


# --- item 15: a bad --database URL ----------------------------------------------------------------


@pytest.mark.parametrize("url", ["http://[::1", "postgresql://[::1/x"])
def test_a_malformed_database_url_is_one_error_line(url: str) -> None:
    code, out, err = in_process("--database", url, "referrals", "export")
    assert (code, out, err) == (2, "", "error: the database URL is not a valid URL\n")


# --- item 9: a file that is not a store is never written to ----------------------------------------


@pytest.mark.parametrize("size", [0, 100, 4096 + 7])
@pytest.mark.parametrize("command", [["referrals", "export"], ["db", "verify"], ["users", "list"]])
def test_an_empty_or_cut_short_store_is_refused_and_left_untouched(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    template: Any,
    size: int,
    command: list[str],
) -> None:
    db = tmp_path / "t.db"
    db.write_bytes(template.database.read_bytes()[:size])
    (tmp_path / "t.db.keys").write_bytes(template.database.with_name("t.db.keys").read_bytes())
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    monkeypatch.setenv("TRIAGE_USER", ADMIN)
    monkeypatch.setenv("TRIAGE_PASSWORD", PASSWORDS[ADMIN])
    code, out, err = in_process("--database", db, *command)
    assert code == 2 and out == ""
    what = (
        "it is empty, 0 bytes" if size == 0 else "it is not a whole number of pages: cut short, or not a store at all"
    )
    assert err == (f"error: database: the file at {db} is not a triage store ({what}); nothing "
                   "was opened or changed. Restore it from a backup with `triage db restore`\n")  # fmt: skip
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


# --- item 13: no terminal to ask on --------------------------------------------------------------


def no_terminal(*args: str | Path, env: dict[str, str], closed: bool) -> subprocess.CompletedProcess[str]:
    """``triage ARGS`` in a new session (no controlling terminal), standard input empty or closed."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("TRIAGE_")}
    command = [sys.executable, "-m", "triage", *map(str, args)]
    if closed:
        command = ["sh", "-c", 'exec "$@" <&-', "sh", *command]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, env={**base, **env},
                          stdin=None if closed else subprocess.DEVNULL, start_new_session=True)  # fmt: skip


@pytest.mark.parametrize("closed", [False, True], ids=["stdin-empty", "stdin-closed"])
def test_every_password_prompt_without_a_terminal_names_the_variable_to_set(
    tmp_path: Path,
    new_store: Any,
    closed: bool,
) -> None:
    db = new_store(tmp_path / "t.db")
    cases = [
        (["referrals", "export"], {"TRIAGE_USER": LEAD, "TRIAGE_PASSWORD": ""}, "password", "TRIAGE_PASSWORD"),
        (["users", "recover", ADMIN], {}, "recovery key", "TRIAGE_RECOVERY_KEY"),
        (["users", "passwd"], {"TRIAGE_USER": PWP, "TRIAGE_PASSWORD": PASSWORDS[PWP]}, "new password",
         "TRIAGE_NEW_PASSWORD"),
    ]  # fmt: skip
    for command, env, what, variable in cases:
        done = no_terminal("--database", db, *command, env=env, closed=closed)
        assert (done.returncode, done.stdout) == (2, ""), done.stderr
        assert done.stderr.endswith(f"error: no terminal to ask for the {what}; set {variable}\n"), done.stderr
        assert "Traceback" not in done.stderr and "Warning" not in done.stderr


def test_db_restore_over_an_empty_store_brings_the_backup_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, new_store: Any,
    template: Any,
) -> None:  # fmt: skip
    db = new_store(tmp_path / "t.db")
    assert run(capsys, "--database", db, "referrals", "import", rows_file(tmp_path, [ROW]))[0] == 0
    monkeypatch.setenv("TRIAGE_USER", ADMIN)
    monkeypatch.setenv("TRIAGE_PASSWORD", PASSWORDS[ADMIN])
    assert run(capsys, "--database", db, "db", "backup", tmp_path / "backup.db")[0] == 0
    db.write_bytes(b"")  # truncated: the refusal above points here
    code, out, err = run(capsys, "--database", db, "db", "restore", tmp_path / "backup.db")
    assert code == 0 and out.startswith("ok: restored"), err
    assert referral_count(db, template.key) == 1
