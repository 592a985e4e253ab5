"""Abbreviations in a letter: ``[ABBR]`` markers expanded from the glossary in common.yaml, in full
on first use and short after (``Abbreviations``, one per letter).
"""

from __future__ import annotations

import re

from triage.letters.templates import MARKER, Common


class Abbreviations:
    """Expands ``[ABBR]`` markers: the first use in a letter in full, later ones short. A name
    already printed as "... (CMHT)" (e.g. a destination from the ruleset) counts as a first use."""

    def __init__(self, common: Common) -> None:
        self.glossary = common.glossary
        self.pattern = common.expansion
        self.introduced: set[str] = set()
        names = "|".join(re.escape(name) for name in sorted(self.glossary, key=len, reverse=True))
        self._seen = re.compile(rf"\(({names})\)") if names else None

    def __call__(self, text: str) -> str:
        out, last = [], 0
        for match in MARKER.finditer(text):
            out.append(self._note(text[last : match.start()]))
            name = match.group(1)
            if name in self.introduced:
                out.append(name)
            else:
                self.introduced.add(name)
                out.append(self.pattern.format(expansion=self.glossary[name], abbreviation=name))
            last = match.end()
        out.append(self._note(text[last:]))
        return "".join(out)

    def _note(self, segment: str) -> str:
        if self._seen is not None:
            self.introduced.update(self._seen.findall(segment))
        return segment
