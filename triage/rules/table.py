"""The ruleset in force as plain text: what ``triage rules show`` prints for a reviewer."""

from __future__ import annotations

import textwrap
from itertools import zip_longest

from triage.rules.ruleset import Ruleset
from triage.rules.vocabulary import LEVELS


def render_table(rows: list[list[str]], widths: list[int]) -> list[str]:
    """Rows of wrapped cells, the first row a heading underlined with dashes."""
    lines: list[str] = []
    for number, row in enumerate(rows):
        wrapped = [
            textwrap.wrap(cell, width, break_on_hyphens=False) or [""] for cell, width in zip(row, widths, strict=True)
        ]
        for parts in zip_longest(*wrapped, fillvalue=""):
            lines.append("  ".join(part.ljust(width) for part, width in zip(parts, widths, strict=True)).rstrip())
        if number == 0:
            lines.append("  ".join("-" * width for width in widths))
    return lines


def render_ruleset(ruleset: Ruleset) -> str:
    doc = ruleset.document
    source = doc.source
    out = [doc.title, ""]
    if ruleset.is_draft:
        out += ["*** DRAFT RULESET: not approved for clinical use ***", ""]
    out += [
        f"id {doc.id}   version {doc.version}   status {doc.status}   effective from {doc.effective_from:%d/%m/%Y}",
        f"sha256 {ruleset.sha256}",
        f"file {ruleset.origin}",
    ]
    out += textwrap.wrap(
        "source: "
        + "; ".join(
            part
            for part in (
                source.document,
                f"{source.seed} lines {source.lines}" if source.seed else None,
                f"author {source.author}" if source.author else None,
                f"dated {source.dated}" if source.dated else None,
                f"review {source.review}" if source.review else None,
            )
            if part
        ),
        100,
        subsequent_indent="  ",
    )

    out += ["", "Destination grid (the destination each rating leads to)", ""]
    grid = [["Variable"] + [doc.levels[level] for level in LEVELS]]
    for variable in doc.variables:
        grid.append(
            [variable.label]
            + [
                " / ".join(ruleset.destination_labels[c] for c in ruleset.cell_destinations[(variable.id, level)])
                for level in LEVELS
            ]
        )
    out += render_table(grid, [30, 22, 22, 22])

    out += ["", "Definitions (verbatim)", ""]
    for variable in doc.variables:
        out.append(variable.label + (f" {variable.note}" if variable.note else ""))
        for level in LEVELS:
            out += textwrap.wrap(
                variable.definitions[level],
                100,
                initial_indent=f"  {doc.levels[level]:<7} ",
                subsequent_indent=" " * 10,
                break_on_hyphens=False,
            )
    out += ["", "Bands", ""]
    bands = [["Measure"] + [doc.levels[level] for level in LEVELS]]
    for measure, by_level in doc.severity.measures.items():
        bands.append(
            [measure.upper().replace("PHQ9", "PHQ-9").replace("GAD7", "GAD-7")]
            + [_band(*by_level[lvl]) for lvl in LEVELS]
        )
    bands.append(
        ["Previous unhelpful interventions"] + [_band(*doc.previous_unhelpful_interventions[lvl]) for lvl in LEVELS]
    )
    out += render_table(bands, [34, 10, 10, 10])
    out.append(f"Overall severity: the {doc.severity.combine} of the two measures' bands.")

    out += ["", "Destinations, most intensive first (the recommendation is the first one indicated)", ""]
    for n, code in enumerate(doc.precedence, 1):
        out += _wrap(f"{n}. {ruleset.destination_labels[code]}: {ruleset.destination(code).expanded}")
    routes = doc.iapt_routes
    when = " or ".join(name.replace("_", " ") for name in routes.integrated.when_any or [])
    out += [""] + _wrap(
        f"IAPT routes: {routes.integrated.label} when a {when} is recorded; else {routes.core.label}.", ""
    )
    out += ["", f"Steps for IAPT routes: {doc.steps.labels[doc.steps.default]} unless a rule gives another:"]
    for rule in doc.steps.rules:
        out += _wrap(f"{doc.steps.labels[rule.step]} when {rule.text} [{rule.source or rule.id}]")
    out += ["", "A person must confirm when:"] + [line for rule in doc.confirmation for line in _wrap(rule.text)]
    out += ["", "Warnings:"] + [line for rule in doc.warnings for line in _wrap(rule.text)]
    out += ["", "Abbreviations:"] + [line for k, v in doc.abbreviations.items() for line in _wrap(f"{k} = {v}")]
    return "\n".join(out) + "\n"


def _wrap(text: str, indent: str = "  ") -> list[str]:
    return textwrap.wrap(text, 100, initial_indent=indent, subsequent_indent=indent + "  ", break_on_hyphens=False)


def _band(low: int, high: int | None) -> str:
    if high is None:
        return f"{low}+"
    return str(low) if low == high else f"{low}-{high}"
