"""docs/design.md stays true: its data-model diagram is the models' own (docs/design.md, "Data model"),
every citation of one of its sections names a heading it has, and every relative link in the README
and docs/ leads somewhere."""

from __future__ import annotations

import re
from pathlib import Path

from triage.store.diagram import erdiagram
from triage.store.models import Base

ROOT = Path(__file__).resolve().parent.parent
DESIGN = ROOT / "docs/design.md"
# Cited from code, tests, pyproject.toml and docs: the headings these names depend on.
REQUIRED_SECTIONS = {"Who uses it", "Layers", "Data model", "Routing semantics", "Safety principles", "Budgets"}

FENCE = re.compile(r"^```")
MERMAID = re.compile(r"^```mermaid\n(.*?)^```$", re.MULTILINE | re.DOTALL)
# `docs/design.md, "Layers"` or `docs/design.md ("Budgets")` (a missing docs/ is caught below).
CITATION = re.compile(r"design\.md\"?\s*(?:,|\()\s*[\"“]([^\"”]+)[\"”]")
# A mention of the file name without its docs/ folder.
BARE_MENTION = re.compile(r"(?<!docs/)\bdesign\.md\b")
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
ENTITY = re.compile(r"^\s*(\w+)\s*\{$")
ATTRIBUTE = re.compile(r"^\s*(\w+)\s+(\w+)(?:\s+([A-Z]+(?:,\s*[A-Z]+)*))?$")
RELATION = re.compile(r'^\s*(\w+)\s+(\|\||\|o|\}o|\}\|)--(o\{|o\||\|\||\|\{)\s+(\w+)\s*:\s*"?(\w+)"?$')


def prose_lines(text: str) -> list[str]:
    """The lines outside fenced code blocks."""
    lines, fenced = [], False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
        elif not fenced:
            lines.append(line)
    return lines


def headings(path: Path) -> set[str]:
    return {line.lstrip("#").strip() for line in prose_lines(path.read_text(encoding="utf-8")) if line.startswith("#")}


def slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


def diagram_in_doc() -> str:
    blocks = MERMAID.findall(DESIGN.read_text(encoding="utf-8"))
    assert len(blocks) == 1, "docs/design.md should hold exactly one mermaid block, the data model"
    return blocks[0]


def parse_diagram(block: str) -> tuple[dict[str, dict[str, set[str]]], set[tuple[str, str, str]]]:
    """The entities (name -> column -> key markers) and relations (referred, referring, column) of an erDiagram."""
    entities: dict[str, dict[str, set[str]]] = {}
    relations: set[tuple[str, str, str]] = set()
    current: dict[str, set[str]] | None = None
    for line in block.splitlines()[1:]:
        if current is not None:
            if line.strip() == "}":
                current = None
                continue
            attribute = ATTRIBUTE.match(line)
            assert attribute, f"not an attribute line: {line!r}"
            current[attribute[2]] = {mark.strip() for mark in (attribute[3] or "").split(",") if mark.strip()}
        elif entity := ENTITY.match(line):
            current = entities.setdefault(entity[1], {})
        elif relation := RELATION.match(line):
            relations.add((relation[1], relation[4], relation[5]))
        else:
            assert not line.strip(), f"not an entity or relation line: {line!r}"
    return entities, relations


def test_the_diagram_is_what_the_generator_prints() -> None:
    assert diagram_in_doc() == erdiagram(), (
        "the data model in docs/design.md differs from the models: paste `python -m triage.store.diagram` over it"
    )


def test_the_diagram_shows_every_table_column_key_and_foreign_key() -> None:
    entities, relations = parse_diagram(diagram_in_doc())
    tables = Base.metadata.tables
    assert set(entities) == set(tables)
    for name, table in tables.items():
        columns = entities[name]
        assert set(columns) == {column.name for column in table.columns}, name
        marked = {mark: {c for c, marks in columns.items() if mark in marks} for mark in ("PK", "FK")}
        assert marked["PK"] == {column.name for column in table.primary_key}, name
        assert marked["FK"] == {key.parent.name for key in table.foreign_keys}, name
    expected = {
        (fk.column.table.name, name, fk.parent.name) for name, table in tables.items() for fk in table.foreign_keys
    }
    assert relations == expected


def test_the_sections_others_cite_exist() -> None:
    assert REQUIRED_SECTIONS <= headings(DESIGN)


def cited_files() -> list[Path]:
    files = [ROOT / "pyproject.toml", ROOT / "README.md"]
    for folder in ("triage", "tests", "bench"):
        files += sorted((ROOT / folder).rglob("*.py"))
    return files + sorted((ROOT / "docs").rglob("*.md"))


def test_every_citation_of_a_section_names_a_heading_of_docs_design_md() -> None:
    sections = headings(DESIGN)
    wrong = [
        f"{path.relative_to(ROOT)}: {cited!r}"
        for path in cited_files()
        for cited in CITATION.findall(path.read_text(encoding="utf-8"))
        if cited not in sections
    ]
    assert wrong == [], f"cited sections missing from docs/design.md (headings: {sorted(sections)})"


def test_code_names_the_design_document_by_its_path() -> None:
    # Pages in docs/ name their sibling as it is; bench/ is left out while its docstrings are being
    # rewritten with the new budgets.
    bare = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in cited_files()
        if not {"bench", "docs"} & set(path.relative_to(ROOT).parts)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if BARE_MENTION.search(line)
    ]
    assert bare == [], "write docs/design.md (the design document lives in docs/)"


def test_every_relative_link_in_the_readme_and_docs_resolves() -> None:
    broken = []
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for line in prose_lines(page.read_text(encoding="utf-8")):
            for target in LINK.findall(re.sub(r"`[^`]*`", "", line)):
                if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto:
                    continue
                file_part, _, anchor = target.partition("#")
                linked = (page.parent / file_part).resolve() if file_part else page
                if not linked.exists():
                    broken.append(f"{page.relative_to(ROOT)}: {target} (no such file)")
                elif anchor and linked.suffix == ".md" and anchor not in {slug(h) for h in headings(linked)}:
                    broken.append(f"{page.relative_to(ROOT)}: {target} (no such heading)")
    assert broken == []
