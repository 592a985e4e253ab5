"""What the Settings editors and the screening form need beyond the settings model itself: a wait
target the service adds (its code made from its label, checked as the shipped ones are), and the
long-term conditions and kinds of MUS the form offers (the service's lists, from its settings).

Plain Python: the widgets only show these and hand back what was typed; the settings model
(``triage.settings.ServiceSettings``) checks the whole before anything is saved."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from pydantic import ValidationError

from triage.rules.conditions import ConditionLists, shipped_condition_lists
from triage.rules.waits import WaitTarget
from triage.services.inputs import InvalidInput
from triage.settings import ServiceSettings, problems_of

LOCAL_PREFIX = "local_"
MAX_DAYS = 730  # as WaitTarget.days allows
OWN_LISTS = "the service's own lists (Settings)"


def target_code(label: str, taken: Collection[str]) -> str:
    """A code for a target the service adds, from its label: ``local_`` and the label's letters and
    digits, whole words up to 28 characters (``local_referral_to_first_contact``), numbered when that is taken; always a valid code."""
    words: list[str] = []
    for word in re.findall(r"[a-z0-9]+", label.lower()):
        if len("_".join([*words, word])) > 28:
            break
        words.append(word)
    stem = LOCAL_PREFIX + ("_".join(words) or "target")
    code, n = stem, 2
    while code in taken:
        code, n = f"{stem}_{n}", n + 1
    return code


def local_target(taken: Collection[str], *, label: str, measure: str, days: int, within: str, clock: str,
                 source: str) -> WaitTarget:  # fmt: skip
    """A target the service adds, checked as a shipped one is (``InvalidInput`` naming each field:
    a source is required), its code one not ``taken``. Not verified against the seed documents: shown with the source typed."""
    data = {"code": target_code(label, taken), "label": label, "measure": measure,
            "days": days, "within": within, "clock": clock, "source": source, "verified": False}  # fmt: skip
    try:
        return WaitTarget.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput([f"new target, {problem}" for problem in problems_of(exc)]) from None


def relabelled(label: str, old_days: int, new_days: int) -> str:
    """A target's label with its number of days changed with its limit ("within 3 days" becomes "within
    5 days"), when it says it and the new number is one a target may have (1 to 730); any other label
    (one in weeks) is left for the admin to change."""
    if not 1 <= new_days <= MAX_DAYS:
        return label
    new = f"{new_days} day" + ("" if new_days == 1 else "s")
    return re.sub(rf"\b{old_days} days?\b", new, label, count=1)


def service_condition_lists(settings: ServiceSettings) -> ConditionLists:
    """The lists the screening form offers: the service's, saying where they come from."""
    shipped = shipped_condition_lists()
    own = (settings.long_term_conditions, settings.medically_unexplained_symptoms) != (
        shipped.long_term_conditions, shipped.medically_unexplained_symptoms)  # fmt: skip
    return ConditionLists(
        source=f"{OWN_LISTS}, from the shipped lists: {shipped.source}" if own else shipped.source,
        long_term_conditions=settings.long_term_conditions,
        medically_unexplained_symptoms=settings.medically_unexplained_symptoms,
    )


def offered_lists(lists: ConditionLists, ticked_kinds: Sequence[str] | None) -> ConditionLists:
    """``lists`` with any kind of MUS already on this screening that the list no longer has (a draft
    begun before the service changed its list): still shown, and still allowed, never silently lost.
    A long-term condition needs no such care: one not listed shows as another condition, typed."""
    kept = tuple(kind for kind in ticked_kinds or () if kind not in lists.medically_unexplained_symptoms)
    if not kept:
        return lists
    return lists.model_copy(update={"medically_unexplained_symptoms": lists.medically_unexplained_symptoms + kept})
