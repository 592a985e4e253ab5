"""``triage letter`` through a real subprocess (``python -m triage letter``), and ``register``
(triage/cli/letter.py) on a fresh parser."""

from __future__ import annotations

import argparse
import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.letters.cases import CASES, page_texts
from triage.cli.letter import register

IDENTIFIERS = ("Alex", "Example", "999 000 0018", "9990000018", "1980-06-15", "15 June 1980")


def letter(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "triage", "letter", *args],
        input=stdin, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "input.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.mark.parametrize("kind", ["gp", "patient", "referral-on"])
def test_valid_input_writes_the_pdf_and_exits_0(tmp_path: Path, kind: str) -> None:
    out = tmp_path / "letter.pdf"
    done = letter(str(write(tmp_path, CASES["override-crisis-to-cmht"])), "--out", str(out), "--kind", kind)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert done.stdout.startswith(f"{kind} letter written: ")
    assert "route cmht (recommended crisis_team)" in done.stdout
    text = " ".join(page_texts(out.read_bytes()))
    assert "999 000 0018" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["input.json", "letter.pdf"]  # no temporary file left


def test_standard_input_and_the_default_kind(tmp_path: Path) -> None:
    out = tmp_path / "gp.pdf"
    done = letter("-", "--out", str(out), stdin=json.dumps(CASES["core-step2-low-risk"]))
    assert done.returncode == 0, done.stderr
    assert "Outcome of screening assessment" in " ".join(page_texts(out.read_bytes()))


def test_invalid_input_exits_2_with_field_messages_no_file_and_no_identifiers(tmp_path: Path) -> None:
    bad = copy.deepcopy(CASES["cmht-complexity-impairment"])
    bad["patient"]["nhs_number"] = "999 000 0019"  # wrong check digit
    bad["patient"]["date_of_birth"] = "15/06/1980"
    bad["patient"]["Alex Example 9990000018"] = "a key made of identifiers"
    bad["gp"]["postcode"] = "nowhere"
    bad["referral"]["source"] = "pigeon"
    bad["risk"] = "severe"
    bad["decision"]["confirmed_step"] = 4
    del bad["screener"]
    out = tmp_path / "letter.pdf"
    done = letter(str(write(tmp_path, bad)), "--out", str(out))
    assert done.returncode == 2
    assert done.stdout == ""
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["input.json"]  # no temporary file left either
    assert done.stderr.splitlines() == [
        'error: risk: must be one of "low", "medium" or "high"',
        "error: patient.date_of_birth: must be a date written YYYY-MM-DD",
        "error: patient.nhs_number: fails the NHS number check digit",
        "error: patient: has a field that is not one of given_name, family_name, date_of_birth, nhs_number, address_lines, postcode",
        "error: gp.postcode: is not a UK postcode",
        "error: referral.source: must be one of gp, self, other_health_professional, jobcentre, occupational_health,"
        " voluntary_sector, other",
        "error: screener: required; must be an object with name and role",
        "error: decision.confirmed_step: must be 2 or 3 for an IAPT route, left out otherwise",
    ]
    for secret in IDENTIFIERS:
        assert secret not in done.stderr


def test_a_decision_that_does_not_fit_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    data = copy.deepcopy(CASES["crisis-high-risk"])
    del data["decision"]
    out = tmp_path / "letter.pdf"
    done = letter(str(write(tmp_path, data)), "--out", str(out), "--kind", "referral-on")
    assert done.returncode == 2
    assert not out.exists()
    assert done.stderr.splitlines()[0].startswith("error: decision.confirmed_route: required")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "{not json",
            "error: input: not valid JSON (line 1, column 2: Expecting property name enclosed in double quotes)",
        ),
        ('{"phq9": 1, "phq9": 2}', "error: input: a field is given more than once in the same object"),
        (
            "[1, 2]",
            "error: input: must be a JSON object: the triage route fields plus patient, gp, referral and screener",
        ),
    ],
)
def test_unreadable_input_exits_2(tmp_path: Path, text: str, message: str) -> None:
    out = tmp_path / "letter.pdf"
    done = letter("-", "--out", str(out), stdin=text)
    assert (done.returncode, done.stderr.strip(), out.exists()) == (2, message, False)


def test_an_existing_file_is_replaced_only_on_success(tmp_path: Path) -> None:
    out = tmp_path / "letter.pdf"
    out.write_bytes(b"previous letter")
    bad = copy.deepcopy(CASES["core-step2-low-risk"])
    bad["phq9"] = 99
    assert letter(str(write(tmp_path, bad)), "--out", str(out)).returncode == 2
    assert out.read_bytes() == b"previous letter"


def test_register_adds_the_letter_command_to_a_parser(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser(prog="triage")
    register(parser.add_subparsers(title="commands", metavar="COMMAND"))
    out = tmp_path / "summary.pdf"
    args = parser.parse_args(
        ["letter", str(write(tmp_path, CASES["substance-misuse"])), "--out", str(out), "--kind", "referral-on"]
    )
    assert args.command == "letter"
    assert args.handler(args) == 0
    assert "Referral summary" in " ".join(page_texts(out.read_bytes()))
    with pytest.raises(SystemExit):
        parser.parse_args(["letter", "x.json", "--out", "y.pdf", "--kind", "fax"])
