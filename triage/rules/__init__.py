"""Clinical rules as data: the referral matrix, questionnaire scoring and the routing engine.

Pure Python: no Qt, no database, no I/O beyond reading a ruleset or questionnaire file.
"""

from triage.rules.engine import route
from triage.rules.routing import Routing
from triage.rules.ruleset import Ruleset, RulesetError, default_ruleset, load_ruleset
from triage.rules.screening import Screening, ScreeningError, parse_screening

__all__ = [
    "Routing",
    "Ruleset",
    "RulesetError",
    "Screening",
    "ScreeningError",
    "default_ruleset",
    "load_ruleset",
    "parse_screening",
    "route",
]
