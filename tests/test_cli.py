"""The command line through a real subprocess, as a script or another program would use it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from triage.resources import resource_path

SHIPPED = resource_path("rules", "doncaster-2007.yaml")
# What no command should pay for unless it uses it: the letters (pydantic models, reportlab), the
# store (SQLAlchemy, SQLCipher), the account services (argon2, cryptography) and Qt.
HEAVY = ("triage.letters", "triage.store", "triage.services", "triage.ui", "sqlalchemy", "alembic", "reportlab",
         "argon2", "cryptography", "PySide6")  # fmt: skip
VALID = {
    "phq9": [2, 2, 2, 2, 2, 2, 2, 2, 0],
    "gad7": 12,
    "chronicity": "high",
    "complexity": "medium",
    "impairment": "medium",
    "substance_use": "low",
    "risk": "medium",
    "previous_unhelpful_interventions": 0,
}


def triage(*args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "triage", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def test_route_one_object_from_stdin():
    done = triage("route", stdin=json.dumps(VALID))
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["route"] == "core_iapt" and out["step"] == 2
    assert out["scores"] == {"phq9": 16, "gad7": 12}
    assert out["ratings"]["severity"] == "medium"
    assert out["ruleset"]["id"] == "doncaster-2007"
    assert done.stderr == ""


def test_route_from_a_file_and_dash_is_the_default(tmp_path):
    path = tmp_path / "one.json"
    path.write_text(json.dumps({**VALID, "risk": "high"}), encoding="utf-8")
    from_file = json.loads(triage("route", str(path)).stdout)
    from_stdin = json.loads(triage("route", stdin=path.read_text()).stdout)
    assert from_file == from_stdin
    assert from_file["route"] == "crisis_team" and from_file["needs_confirmation"] is True


def test_invalid_object_exits_2_with_field_messages_and_nothing_on_stdout():
    bad = {**VALID, "phq9": [0, 0, 0, 7, 0, 0, 0, 0, 0], "risk": "severe", "colour": "red"}
    del bad["gad7"]
    done = triage("route", stdin=json.dumps(bad))
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        "error: phq9[3]: must be an integer 0-3",
        "error: gad7: required; must be a list of 7 integers 0-3, or an integer total 0-21",
        'error: risk: must be one of "low", "medium" or "high"',
        f"error: (field {len(VALID)}): unknown field; the fields are phq9, gad7, chronicity, complexity, impairment, substance_use, "
        "risk, previous_unhelpful_interventions, long_term_conditions, medically_unexplained_symptoms, problem_descriptor",
    ]


def test_an_array_routes_every_valid_element_and_marks_the_invalid_ones():
    done = triage("route", stdin=json.dumps([VALID, {**VALID, "risk": None}, {**VALID, "complexity": "high"}]))
    assert done.returncode == 2
    out = json.loads(done.stdout)
    assert [o.get("route") for o in out] == ["core_iapt", None, "cmht"]
    assert out[1] == {"error": ['risk: must be one of "low", "medium" or "high"']}
    assert done.stderr.splitlines() == ['error: [1].risk: must be one of "low", "medium" or "high"']


def test_an_all_valid_array_exits_0():
    done = triage("route", stdin=json.dumps([VALID, VALID]))
    assert done.returncode == 0 and len(json.loads(done.stdout)) == 2


@pytest.mark.parametrize(
    ("stdin", "message"),
    [
        ("{not json", "error: input: not valid JSON (line 1, column 2"),
        ('{"risk": "low", "risk": "high"}', "error: risk: given more than once in the same object"),
        ("42", "error: input: must be a JSON object of screening fields"),
        ("", "error: input: not valid JSON"),
    ],
)
def test_unreadable_input_is_a_clear_message_not_a_traceback(stdin, message):
    done = triage("route", stdin=stdin)
    assert done.returncode == 2
    assert done.stderr.startswith(message)
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_a_missing_file_is_reported():
    done = triage("route", "/nonexistent/screening.json")
    assert done.returncode == 2 and "cannot be read" in done.stderr and "Traceback" not in done.stderr


def test_rules_show_prints_the_matrix_with_its_identity():
    done = triage("rules", "show")
    assert done.returncode == 0
    ruleset = yaml.safe_load(SHIPPED.read_text())
    for expected in (
        "Doncaster Referral Matrix",
        "id doncaster-2007",
        "version 1.1.0",
        "status active",
        f"sha256 {ruleset['sha256']}",
        "DaSH CRHTT / DaSH CMHT",
        "Dr Felix Davies",
        "17/05/2007",
    ):
        assert expected in done.stdout
    assert "Marked impairment in day-to-day functioning" in done.stdout


def test_rules_check_accepts_the_shipped_file():
    done = triage("rules", "check", str(SHIPPED))
    assert done.returncode == 0
    assert done.stdout.startswith("ok: doncaster-2007 1.1.0 (active)")


def test_rules_check_lists_every_problem_and_exits_1(tmp_path):
    document = yaml.safe_load(SHIPPED.read_text())
    document["cells"].pop(5)  # impairment-high
    document["status"] = "retired"
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(document))
    done = triage("rules", "check", str(path))
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert any("does not match the content" in line for line in lines)
    assert any("retired" in line for line in lines)
    assert all(line.startswith(f"error: ruleset {path}: ") for line in lines)
    assert "Traceback" not in done.stderr


def _draft(tmp_path: Path) -> Path:
    document = yaml.safe_load(SHIPPED.read_text())
    document.pop("sha256")
    document["status"] = "draft"
    document["version"] = "1.1.0"
    path = tmp_path / "draft.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def test_a_service_ruleset_by_option_or_environment_and_a_draft_is_marked(tmp_path):
    path = _draft(tmp_path)
    by_option = json.loads(triage("route", "--ruleset", str(path), stdin=json.dumps(VALID)).stdout)
    by_env = json.loads(triage("route", stdin=json.dumps(VALID), env={"TRIAGE_RULESET": str(path)}).stdout)
    assert by_option == by_env
    assert by_option["ruleset"]["status"] == "draft" and by_option["ruleset"]["version"] == "1.1.0"
    assert by_option["warnings"][0].startswith("DRAFT ruleset")
    assert "DRAFT RULESET" in triage("rules", "show", "--ruleset", str(path)).stdout
    assert "DRAFT" in triage("rules", "check", str(path)).stdout


def test_an_unusable_ruleset_in_force_stops_routing(tmp_path):
    done = triage("route", stdin=json.dumps(VALID), env={"TRIAGE_RULESET": str(tmp_path / "missing.yaml")})
    assert done.returncode == 1
    assert done.stdout == "" and "Traceback" not in done.stderr
    assert "cannot be read" in done.stderr


def test_rules_golden_prints_the_committed_table():
    done = triage("rules", "golden")
    assert done.returncode == 0
    assert done.stdout == resource_path("rules", "doncaster-2007.golden.tsv").read_text(encoding="utf-8")


def loaded_after(code: str) -> set[str]:
    """The top-level packages and triage modules in sys.modules after ``code`` runs in a fresh interpreter."""
    script = code + "\nimport json, sys\nsys.stderr.write(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return {name for module in json.loads(done.stderr) for name in (module, module.split(".")[0])}


def test_building_the_parser_imports_no_command_s_machinery():
    loaded = loaded_after("from triage.cli import _parser; _parser().parse_args(['route', '-'])")
    assert "triage.cli.rules" in loaded  # the parser was built
    assert loaded.isdisjoint((*HEAVY, "triage.rules", "pydantic", "yaml"))


def test_route_imports_the_rules_and_nothing_heavier(tmp_path):
    case = tmp_path / "one.json"
    case.write_text(json.dumps(VALID), encoding="utf-8")
    loaded = loaded_after(f"from triage.cli import main; assert main(['route', {str(case)!r}]) == 0")
    assert "triage.rules.engine" in loaded
    assert loaded.isdisjoint(HEAVY)


def test_the_letter_command_offers_the_letter_kinds():
    from triage.cli.letter import KINDS
    from triage.letters.templates import KINDS as TEMPLATE_KINDS

    assert KINDS == TEMPLATE_KINDS
