"""The clinical safety file (DCB0129) holds together: docs/safety/hazard-log.md and its report.

Each hazard in the log is a ``### HAZ-nnn — title`` section with two tables: its fields
(``| Field | Value |``) and its controls (``| Control | Kind | Tests |``). These tests check that
every hazard has every field, a unique id, a severity and a likelihood from the DCB0129 scales and
the risk the matrix gives that pair (before and after its controls); that every test a control names
exists (the file, and the function or class::method in it, found with ``ast``); that a control in
place names at least one test and a planned or deployer control names none; that a hazard not
"open" names a test; and that the safety case report names every hazard as the log scores it.
The last test feeds the checks small made-up logs to show they catch what they claim to.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOG = ROOT / "docs" / "safety" / "hazard-log.md"
CASE = ROOT / "docs" / "safety" / "safety-case.md"

# The scales and the matrix of ../shared/docs/safety.md §1.1 (the NHS Digital form).
SEVERITIES = ("Minor", "Significant", "Considerable", "Major", "Catastrophic")
LIKELIHOODS = ("Very low", "Low", "Medium", "High", "Very high")
MATRIX = {  # likelihood -> risk for each severity, in SEVERITIES order
    "Very high": (3, 4, 4, 5, 5),
    "High": (2, 3, 3, 4, 5),
    "Medium": (2, 2, 3, 3, 4),
    "Low": (1, 2, 2, 3, 4),
    "Very low": (1, 1, 2, 2, 3),
}
HIGHEST_ACCEPTABLE = 3  # 4 = mandatory elimination or control, 5 = unacceptable: not "controlled"
STATUSES = ("open", "controlled")
KINDS = ("in place", "planned", "deployer")  # only a control in place is proven by tests
FIELDS = ("Status", "Source", "Description", "Cause", "Effect", "Severity", "Likelihood", "Risk",
          "Residual severity", "Residual likelihood", "Residual risk")  # fmt: skip
NO_TESTS = "—"

HEADING = re.compile(r"^###\s+(.*)$")
HAZARD_HEADING = re.compile(r"^(HAZ-\d{3}) — (\S.*)$")
TEST_ID = re.compile(r"^tests/[\w/.-]+\.py(::[A-Za-z_]\w*)*(\[[^\]]*\])?$")
SEPARATORS = re.compile(r"(<br>|,|\s)+")


def risk_of(severity: str, likelihood: str) -> int:
    return MATRIX[likelihood][SEVERITIES.index(severity)]


@dataclass
class Control:
    text: str
    kind: str
    tests: list[str]
    problems: list[str] = field(default_factory=list)


@dataclass
class Hazard:
    id: str
    title: str
    fields: dict[str, str] = field(default_factory=dict)
    controls: list[Control] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # found while parsing

    def tests(self) -> list[str]:
        return [test for control in self.controls for test in control.tests]


def split_row(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().removeprefix("|").removesuffix("|").split("|")]


def tables(lines: list[str]) -> list[list[list[str]]]:
    """The Markdown tables among ``lines``: each a list of rows, the header first, no separator row."""
    found: list[list[list[str]]] = []
    current: list[list[str]] | None = None
    for line in lines:
        if line.lstrip().startswith("|"):
            row = split_row(line)
            if all(re.fullmatch(r":?-{3,}:?", cell) for cell in row):
                continue
            if current is None:
                current = []
                found.append(current)
            current.append(row)
        else:
            current = None
    return found


def parse_tests(cell: str) -> tuple[list[str], list[str]]:
    """The test ids a Tests cell names (each in backticks), and what is wrong with the cell."""
    if cell == NO_TESTS:
        return [], []
    names = re.findall(r"`([^`]*)`", cell)
    problems = [
        f"{name!r} is not a test id (tests/....py[::name[::name]])" for name in names if not TEST_ID.match(name)
    ]
    if SEPARATORS.sub("", re.sub(r"`[^`]*`", "", cell)):
        problems.append(f"Tests cell {cell!r}: write {NO_TESTS} or test ids in backticks separated by <br>")
    if not names and not problems:
        problems.append(f"Tests cell {cell!r} names no test: write {NO_TESTS}")
    return names, problems


def parse_log(text: str) -> list[Hazard]:
    hazards: list[Hazard] = []
    sections: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        heading = HEADING.match(line)
        if heading:
            sections.append((heading.group(1).strip(), []))
        elif sections:
            sections[-1][1].append(line)
    for title, body in sections:
        if not title.startswith("HAZ"):
            continue
        match = HAZARD_HEADING.match(title)
        if match:
            hazard = Hazard(match.group(1), match.group(2))
        else:
            hazard = Hazard(title, "", problems=[f"heading {title!r} is not 'HAZ-nnn — title'"])
        hazards.append(hazard)
        by_header = {tuple(table[0]): table[1:] for table in tables(body)}
        fields_rows = by_header.get(("Field", "Value"))
        control_rows = by_header.get(("Control", "Kind", "Tests"))
        if fields_rows is None:
            hazard.problems.append("no '| Field | Value |' table")
        if control_rows is None:
            hazard.problems.append("no '| Control | Kind | Tests |' table")
        for row in fields_rows or []:
            if len(row) != 2:
                hazard.problems.append(f"field row {row!r} does not have 2 cells (a '|' inside a cell?)")
            elif row[0] in hazard.fields:
                hazard.problems.append(f"field {row[0]!r} given twice")
            else:
                hazard.fields[row[0]] = row[1]
        for row in control_rows or []:
            if len(row) != 3:
                hazard.problems.append(f"control row {row!r} does not have 3 cells (a '|' inside a cell?)")
                continue
            names, problems = parse_tests(row[2])
            hazard.controls.append(Control(row[0], row[1], names, problems))
    return hazards


def field_problems(hazards: list[Hazard]) -> list[str]:
    problems = []
    seen: set[str] = set()
    for h in hazards:
        problems += [f"{h.id}: {p}" for p in h.problems]
        if h.id in seen:
            problems.append(f"{h.id}: the id is used twice")
        seen.add(h.id)
        missing = [name for name in FIELDS if not h.fields.get(name, "").strip(" —")]
        unknown = [name for name in h.fields if name not in FIELDS]
        if missing:
            problems.append(f"{h.id}: missing or empty {', '.join(missing)}")
        if unknown:
            problems.append(f"{h.id}: unknown field {', '.join(unknown)} (the fields are {', '.join(FIELDS)})")
        if h.fields.get("Status") not in STATUSES:
            problems.append(f"{h.id}: status {h.fields.get('Status')!r} is not one of {', '.join(STATUSES)}")
        if not h.controls:
            problems.append(f"{h.id}: no control")
    return problems


def score_problems(hazards: list[Hazard]) -> list[str]:
    problems = []
    for h in hazards:
        risks = {}
        for prefix, names in (("", ("Severity", "Likelihood", "Risk")),
                              ("Residual ", ("Residual severity", "Residual likelihood", "Residual risk"))):  # fmt: skip
            severity, likelihood, risk = (h.fields.get(name, "") for name in names)
            if severity not in SEVERITIES:
                problems.append(f"{h.id}: {prefix}severity {severity!r} is not one of {', '.join(SEVERITIES)}")
            elif likelihood not in LIKELIHOODS:
                problems.append(f"{h.id}: {prefix}likelihood {likelihood!r} is not one of {', '.join(LIKELIHOODS)}")
            elif risk != str(risk_of(severity, likelihood)):
                problems.append(f"{h.id}: {prefix}risk {risk!r} but the matrix gives {risk_of(severity, likelihood)} "
                                f"for {severity} × {likelihood}")  # fmt: skip
            else:
                risks[prefix] = int(risk)
        if len(risks) == 2 and risks["Residual "] > risks[""]:
            problems.append(f"{h.id}: residual risk {risks['Residual ']} is above the risk {risks['']}")
        if h.fields.get("Status") == "controlled" and risks.get("Residual ", 0) > HIGHEST_ACCEPTABLE:
            problems.append(f"{h.id}: controlled, yet residual risk {risks['Residual ']} is not acceptable")
    return problems


@cache
def definitions(path: Path) -> ast.Module | None:
    try:
        return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return None


def missing_test(test_id: str, root: Path) -> str | None:
    """Why ``test_id`` names no test under ``root``, or None if it does."""
    file, *names = test_id.split("[", 1)[0].split("::")
    path = root / file
    if not path.name.startswith("test_") or not path.is_file():
        return f"{test_id}: no test file {file}"
    module = definitions(path)
    if module is None:
        return f"{test_id}: {file} does not parse"
    scope: list[ast.stmt] = module.body
    for name in names:
        node = next((n for n in scope if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                     and n.name == name), None)  # fmt: skip
        if node is None:
            return f"{test_id}: no {name} in {file}"
        scope = node.body if isinstance(node, ast.ClassDef) else []
        if not name.startswith("Test" if isinstance(node, ast.ClassDef) else "test"):
            return f"{test_id}: {name} is not collected by pytest"
    return None


def control_problems(hazards: list[Hazard], root: Path = ROOT) -> list[str]:
    problems = []
    for h in hazards:
        for control in h.controls:
            problems += [f"{h.id}: {p}" for p in control.problems]
            if control.kind not in KINDS:
                problems.append(f"{h.id}: control kind {control.kind!r} is not one of {', '.join(KINDS)}")
            elif control.kind == "in place" and not control.tests and not control.problems:
                problems.append(f"{h.id}: a control in place names no test: {control.text[:60]!r}")
            elif control.kind != "in place" and control.tests:
                problems.append(f"{h.id}: a {control.kind} control names tests; it is not in place yet")
            problems += [f"{h.id}: {why}" for why in (missing_test(t, root) for t in control.tests) if why]
        status = h.fields.get("Status")
        if status != "open" and not h.tests():
            problems.append(f"{h.id}: {status}, yet no control names a test")
        if status == "open" and not any(c.kind == "planned" for c in h.controls):
            problems.append(f"{h.id}: open, yet no planned control says how it will be closed")
    return problems


def case_problems(hazards: list[Hazard], case: str) -> list[str]:
    """The report names every hazard, names none the log lacks, and its summary rows agree with the log."""
    known = {h.id: h for h in hazards}
    named = set(re.findall(r"\bHAZ-\d{3}\b", case))
    problems = [f"{i}: not in the safety case" for i in known if i not in named]
    problems += [f"{i}: named in the safety case but not in the hazard log" for i in sorted(named - set(known))]
    for table in tables(case.splitlines()):
        if table[0][:5] != ["Hazard", "Title", "Status", "Risk", "Residual risk"]:
            continue
        for row in table[1:]:
            h = known.get(row[0])
            if h is not None:
                expected = [h.title, h.fields.get("Status"), h.fields.get("Risk"), h.fields.get("Residual risk")]
                if row[1:5] != expected:
                    problems.append(f"{h.id}: the safety case summary says {row[1:5]}, the log {expected}")
    return problems


def hazards() -> list[Hazard]:
    return parse_log(LOG.read_text(encoding="utf-8"))


def test_the_header_carries_the_dcb0129_matrix():
    text = LOG.read_text(encoding="utf-8")
    matrix = next((t for t in tables(text.splitlines()) if t[0][0] == "Likelihood \\ Severity"), None)
    assert matrix is not None, "the log's header has no '| Likelihood \\ Severity | ...' table"
    assert matrix[0][1:] == list(SEVERITIES)
    assert {row[0]: tuple(int(c) for c in row[1:]) for row in matrix[1:]} == MATRIX


def test_every_hazard_has_every_field_and_a_unique_id():
    found = hazards()
    assert found, f"no '### HAZ-nnn — title' sections in {LOG.relative_to(ROOT)}"
    assert field_problems(found) == []


def test_scores_come_from_the_scales_and_the_risk_from_the_matrix():
    assert score_problems(hazards()) == []


def test_every_test_a_hazard_names_exists_and_every_hazard_not_open_names_one():
    assert control_problems(hazards()) == []


def test_the_safety_case_names_every_hazard_as_the_log_scores_it():
    assert case_problems(hazards(), CASE.read_text(encoding="utf-8")) == []


SAMPLE = """\
# Hazard log

### HAZ-001 — A made-up hazard

| Field | Value |
|---|---|
| Status | controlled |
| Source | Standing |
| Description | d |
| Cause | c |
| Effect | e |
| Severity | Major |
| Likelihood | Medium |
| Risk | 3 |
| Residual severity | Major |
| Residual likelihood | Very low |
| Residual risk | 2 |

| Control | Kind | Tests |
|---|---|---|
| Proven | in place | `tests/test_hazard_log.py::test_the_header_carries_the_dcb0129_matrix`<br>`tests/test_hazard_log.py::test_no_such_test[a-b]` |
| Not yet | planned | — |
"""


def sample(**changes: str) -> str:
    """SAMPLE with some fields changed (``Residual_risk="3"``; ``Effect=None`` drops the row)."""
    text = SAMPLE
    for name, value in changes.items():
        name = name.replace("_", " ")
        row = re.compile(rf"^\| {name} \| .* \|\n", re.MULTILINE)
        assert row.search(text), name
        text = row.sub("" if value is None else f"| {name} | {value} |\n", text)
    return text


def faults(text: str) -> str:
    found = parse_log(text)
    return "\n".join(field_problems(found) + score_problems(found) + control_problems(found))


def test_the_checks_catch_a_made_up_test_and_other_faults():
    made_up = "<br>`tests/test_hazard_log.py::test_no_such_test[a-b]`"
    good = parse_log(SAMPLE.replace(made_up, ""))
    assert faults(SAMPLE.replace(made_up, "")) == ""
    summary = "| Hazard | Title | Status | Risk | Residual risk |\n|---|---|---|---|---|\n| HAZ-001 | A made-up hazard | {} | 3 | 2 |"
    assert case_problems(good, summary.format("controlled")) == []

    # The made-up name is caught, by name, and nothing else is.
    assert control_problems(parse_log(SAMPLE)) == [
        "HAZ-001: tests/test_hazard_log.py::test_no_such_test[a-b]: no test_no_such_test in tests/test_hazard_log.py"
    ]
    assert missing_test("tests/nowhere/test_x.py::test_y", ROOT) == "tests/nowhere/test_x.py::test_y: no test file tests/nowhere/test_x.py"  # fmt: skip
    assert "not collected" in (missing_test("tests/test_hazard_log.py::parse_log", ROOT) or "")
    assert "not collected" in (missing_test("tests/test_hazard_log.py::Hazard::tests", ROOT) or "")
    assert missing_test("tests/test_hazard_log.py", ROOT) is None

    assert "risk '2' but the matrix gives 3" in faults(sample(Risk="2"))
    assert "severity 'Serious'" in faults(sample(Severity="Serious"))
    assert "Residual likelihood 'Rare'" in faults(sample(Residual_likelihood="Rare"))
    assert "missing or empty Effect" in faults(sample(Effect=None))
    assert "missing or empty Cause" in faults(sample(Cause="—"))
    assert "unknown field Owner" in faults(SAMPLE.replace("| Effect | e |", "| Effect | e |\n| Owner | x |"))
    assert "status 'fixed'" in faults(sample(Status="fixed"))
    assert "the id is used twice" in faults(SAMPLE + SAMPLE[SAMPLE.index("### HAZ") :])
    assert "is not 'HAZ-nnn — title'" in faults(SAMPLE.replace("HAZ-001 —", "HAZ-1 -"))
    assert "residual risk 3 is above the risk 2" in faults(
        sample(Severity="Significant", Likelihood="Low", Risk="2", Residual_likelihood="Low", Residual_risk="3")
    )
    assert "controlled, yet residual risk 4 is not acceptable" in faults(
        sample(Likelihood="Very high", Risk="5", Residual_likelihood="High", Residual_risk="4")
    )
    assert "not acceptable" not in faults(
        sample(Status="open", Likelihood="Very high", Risk="5", Residual_likelihood="High", Residual_risk="4")
    )

    only_planned = re.sub(r"\| Proven \| in place \| .*", "| Proven | planned | — |", SAMPLE)
    assert "controlled, yet no control names a test" in faults(only_planned)
    assert faults(only_planned.replace("| controlled |", "| open |")) == ""  # an open hazard names no test yet
    assert "open, yet no planned control" in faults(sample(Status="open").replace("| Not yet | planned | — |\n", ""))
    assert "a control in place names no test" in faults(
        SAMPLE.replace("| Not yet | planned |", "| Not yet | in place |")
    )
    assert "a planned control names tests" in faults(SAMPLE.replace("| Proven | in place |", "| Proven | planned |"))
    assert "kind 'done'" in faults(SAMPLE.replace("| Not yet | planned |", "| Not yet | done |"))
    assert "write — or test ids" in faults(SAMPLE.replace("| planned | — |", "| planned | to come |"))
    assert "write — or test ids" in faults(SAMPLE.replace("`tests/test_hazard_log.py::test_the_header", "tests/x.py `tests/test_hazard_log.py::test_the_header"))  # fmt: skip
    assert "is not a test id" in faults(SAMPLE.replace("`tests/test_hazard_log.py::test_the_header", "`test_hazard_log::test_the_header"))  # fmt: skip

    assert case_problems(good, "HAZ-002 only") == ["HAZ-001: not in the safety case",
                                                  "HAZ-002: named in the safety case but not in the hazard log"]  # fmt: skip
    assert "the safety case summary says" in case_problems(good, summary.format("open"))[0]
