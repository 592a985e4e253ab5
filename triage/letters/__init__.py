"""Letters: the GP letter, the patient copy and the referral-on summary, as PDFs (reportlab).

Plain Python, no Qt. Wording and the conditions for each paragraph are data in
``resources/letters/`` (templates.py checks them at load). The app calls ``build_letter``; the
command line (``triage letter``, triage/cli/letter.py) reads the ``triage route`` JSON plus the
particulars, which command.py checks.
"""

from importlib import import_module
from typing import Any

# Loaded on first use, so that the command line (which registers ``triage letter``) does not pay
# for reportlab unless a letter is built.
_WHERE = {
    "LetterContent": "content", "Outcome": "outcome", "decide": "outcome",
    "Letter": "letter", "build_letter": "letter",
    "Decision": "particulars", "Details": "particulars", "Gp": "particulars", "LetterInputError": "particulars",
    "Particulars": "particulars", "Patient": "particulars", "PreviousIntervention": "particulars",
    "Referral": "particulars", "Screener": "particulars", "Service": "particulars",
    "KINDS": "templates", "LetterKind": "templates", "LetterTemplateError": "templates",
    "LetterTemplates": "templates", "load_templates": "templates",
}  # fmt: skip


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'triage.letters' has no attribute {name!r}")
    return getattr(import_module(f"triage.letters.{_WHERE[name]}"), name)


__all__ = [
    "KINDS",
    "Decision",
    "Details",
    "Gp",
    "Letter",
    "LetterContent",
    "LetterInputError",
    "LetterKind",
    "LetterTemplateError",
    "LetterTemplates",
    "Outcome",
    "Particulars",
    "Patient",
    "PreviousIntervention",
    "Referral",
    "Screener",
    "Service",
    "build_letter",
    "decide",
    "load_templates",
]
