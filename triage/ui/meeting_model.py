"""The referral meeting as it runs on the laptop (issue 16, item 2): the one source of truth the control
window and the projector's presenter view observe. Plain Python, no Qt; every outcome goes through the
meeting services (``services.meetings``), which check the role, validate, refuse and audit.

The cases are the queue as it stood when the meeting opened, in its order: the list does not move
under the chair's hands while the team talks. After each outcome the current case moves on to the next
case not yet taken (the presenter follows). What the services said, done or refused in words naming
the field, is ``said`` (``warning`` when refused); a refusal changes nothing.

The name: each case is shown by its reference and initials. ``reveal`` asks the services for the full
name (audited as a reveal); it is then shown for that case only, on the laptop and on the projector
alike: the chair reveals it for the room, by one deliberate key, and the record says so. Moving to
another case shows that case by initials again, until it too is revealed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from triage.fields import UK_DATE_HELP, parse_uk_date
from triage.rules.ruleset import Ruleset
from triage.services.decisions import recommend
from triage.services.inputs import DecisionInput, InvalidInput, parse
from triage.services.meeting_types import (
    MEETING_OUTCOME_TEXT,
    MeetingItem,
    MeetingOutcome,
    PresenterCase,
    QueueEntry,
)
from triage.services.meetings import (
    ask_for_information,
    close_meeting,
    decide_in_meeting,
    defer_case,
    meeting_case_record,
    reveal_name,
)
from triage.services.permissions import User
from triage.services.presenter_case import presenter_case
from triage.services.referral_record import ReferralRecord
from triage.store.database import Store
from triage.store.errors import StoreError

Listener = Callable[[], None]


@dataclass
class OutcomeForm:
    """What the outcome fields hold for the current case; emptied once an outcome is recorded."""

    route: str | None = None  # another route (with ``step``), as chosen in the drop-down
    step: int | None = None
    reason: str = ""  # why this route (another route; or the recommendation when risk is high)
    defer_reason: str = ""
    what: str = ""  # the information the team needs
    owner: str = ""  # who is asked: an attendee's name, or typed
    due_on: str = ""  # dd/mm/yyyy as typed
    warnings_read: bool = False  # the chair says the team read the routing's warnings (never assumed)


@dataclass
class Case:
    """One case of the meeting as the laptop holds it: its queue entry, what was done, its name if revealed."""

    entry: QueueEntry
    outcome: MeetingOutcome | None = None
    name: str | None = None  # only after reveal_name (audited), and only while it is the current case

    @property
    def status(self) -> str:
        return MEETING_OUTCOME_TEXT[self.outcome] if self.outcome else "not yet taken"


class MeetingSession:
    """The open meeting: its cases, the one being presented, and the outcomes recorded."""

    def __init__(
        self, store: Store, user: User, meeting_id: str, queue: Sequence[QueueEntry], ruleset: Ruleset
    ) -> None:
        self.store, self.user, self.meeting_id, self.ruleset = store, user, meeting_id, ruleset
        self.cases = [Case(entry) for entry in queue]
        self.index = 0
        self.said, self.warning = "", False
        self.closed = False
        self.minutes: bytes | None = None
        self.form = OutcomeForm()
        self._records: dict[str, ReferralRecord] = {}  # each case's record, read once (a read is audited)
        self._listeners: list[Listener] = []

    def taken(self, items: Sequence[MeetingItem]) -> None:
        """The outcomes this meeting already recorded (a meeting continued): each case's latest."""
        latest = {item.referral_id: item.outcome for item in items}
        for case in self.cases:
            case.outcome = latest.get(case.entry.referral_id, case.outcome)
        if self.current is not None and self.current.outcome is not None:
            self._move_on()

    # --- observing -------------------------------------------------------------------------------

    def observe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def _changed(self) -> None:
        for listener in list(self._listeners):
            listener()

    @property
    def current(self) -> Case | None:
        return self.cases[self.index] if self.cases else None

    # --- moving ----------------------------------------------------------------------------------

    def go_to(self, index: int) -> None:
        if not self.cases or not 0 <= index < len(self.cases) or index == self.index:
            return
        self._hide_name()
        self.index = index
        self.said, self.warning = "", False
        self.form = OutcomeForm()
        self._changed()

    def next_case(self) -> None:
        self.go_to(self.index + 1)

    def previous_case(self) -> None:
        self.go_to(self.index - 1)

    def _move_on(self) -> None:
        """To the next case not yet taken after this one (then from the top); stays when all are taken."""
        later = [*range(self.index + 1, len(self.cases)), *range(self.index)]
        waiting = next((i for i in later if self.cases[i].outcome is None), None)
        if waiting is not None:
            self._hide_name()
            self.index = waiting

    def _hide_name(self) -> None:
        if self.current is not None:
            self.current.name = None

    # --- the outcomes ----------------------------------------------------------------------------

    def confirm(self) -> None:
        """The matrix's recommendation, as the team confirms it (with the reason typed: needed, as ever,
        when risk is high)."""
        case = self._case_to_take()
        if case is None:
            return
        if not self._warnings_read():
            return
        try:
            routing = recommend(self.store, self.user, case.entry.referral_id, self.ruleset)
        except StoreError as exc:
            self._refused(str(exc))
            return
        data: dict[str, object] = {"confirmed_route": routing.route, "confirmed_step": routing.step,
                "override_reason": self.form.reason.strip() or None,
                "warnings_acknowledged": self.form.warnings_read}  # fmt: skip
        self._decide(case, data, "confirmed", "Recommendation confirmed")

    def change(self) -> None:
        """Another route or step than the matrix's, with the reason the team gives."""
        case = self._case_to_take()
        if case is None:
            return
        form = self.form
        problems = [problem for problem, missing in (
            ("Route or step: choose the route the team decided", form.route is None),
            ("Why this route: say why the team chose other than the recommendation", not form.reason.strip()),
        ) if missing]  # fmt: skip
        if problems:
            self._refused("; ".join(problems))
            return
        if not self._warnings_read():
            return
        data: dict[str, object] = {"confirmed_route": form.route, "confirmed_step": form.step, "override_reason": form.reason.strip(),
                "warnings_acknowledged": form.warnings_read}  # fmt: skip
        self._decide(case, data, "changed", "Another route recorded")

    def _warnings_read(self) -> bool:
        """A route is recorded only once the chair says the team read the case's warnings, if it has any
        (refused, naming the tick box, otherwise: the services would refuse it too)."""
        shown = self.presented()
        if shown is not None and shown.warnings and not self.form.warnings_read:
            self._refused("Warnings read to the team: the case has warnings; tick this once the team has read them")
            return False
        return True

    def _decide(self, case: Case, data: dict[str, object], outcome: MeetingOutcome, done: str) -> None:
        def act() -> None:
            decision = parse(DecisionInput, data)
            decide_in_meeting(self.store, self.user, self.meeting_id, case.entry.referral_id, decision,
                              ruleset=self.ruleset)  # fmt: skip

        self._run(case, act, outcome, done)

    def defer(self) -> None:
        case = self._case_to_take()
        if case is None:
            return
        reason = self.form.defer_reason.strip()
        if not reason:
            self._refused("Why deferred: say why the case waits for a later meeting")
            return
        self._run(case, lambda: defer_case(self.store, self.user, self.meeting_id, case.entry.referral_id, reason),
                  "deferred", "Deferred")  # fmt: skip

    def ask(self) -> None:
        case = self._case_to_take()
        if case is None:
            return
        what, owner, due_on = self.form.what.strip(), self.form.owner.strip(), parse_uk_date(self.form.due_on)
        problems = [problem for problem, missing in (
            ("What is needed: say what information the team needs", not what),
            ("Who: name the person asked (an attendee, or typed)", not owner),
            (f"Due by: {UK_DATE_HELP}", due_on is None)) if missing]  # fmt: skip
        if problems or due_on is None:
            self._refused("; ".join(problems))
            return
        self._run(case, lambda: ask_for_information(self.store, self.user, self.meeting_id, case.entry.referral_id,
                                                    what, owner, due_on),
                  "more_info", "Information asked for")  # fmt: skip

    def _case_to_take(self) -> Case | None:
        if self.closed:
            self._refused("the meeting is closed: its decisions are locked")
            return None
        if self.current is None:
            self._refused("there is no case in this meeting")
        return self.current

    def _run(self, case: Case, action: Callable[[], object], outcome: MeetingOutcome, done: str) -> None:
        try:
            action()
        except InvalidInput as exc:
            self._refused("; ".join(exc.problems))
            return
        except StoreError as exc:
            self._refused(str(exc))
            return
        case.outcome = outcome
        self._records.pop(case.entry.referral_id, None)  # its record now holds the meeting's decision
        self.form = OutcomeForm()
        self.said, self.warning = f"{done} for {case.entry.reference}.", False
        self._move_on()
        self._changed()

    def _refused(self, why: str) -> None:
        self.said, self.warning = f"Not recorded: {why}.", True
        self._changed()

    # --- the name, the presenter's case, closing -------------------------------------------------

    def reveal(self) -> None:
        """The current case's full name, through the services (audited as a reveal)."""
        case = self.current
        if case is None or case.name is not None:
            return
        try:
            case.name = reveal_name(self.store, self.user, self.meeting_id, case.entry.referral_id)
        except StoreError as exc:
            self._refused(str(exc))
            return
        self.said, self.warning = f"Name shown for {case.entry.reference} (recorded in the audit trail).", False
        self._changed()

    def presented(self) -> PresenterCase | None:
        """The current case as the projector shows it (its record read through the services, audited)."""
        case = self.current
        if case is None:
            return None
        record = self._records.get(case.entry.referral_id)
        if record is None:
            record = meeting_case_record(self.store, self.user, self.meeting_id, case.entry.referral_id)
            self._records[case.entry.referral_id] = record
        return presenter_case(record, self.ruleset, entry=case.entry, name=case.name)

    def close(self) -> bool:
        """Close the meeting (its decisions locked); the minutes PDF is kept in ``minutes``."""
        if self.closed:
            return True
        try:
            self.minutes = close_meeting(self.store, self.user, self.meeting_id)
        except (InvalidInput, StoreError) as exc:
            self._refused(str(exc))
            return False
        self.closed = True
        self._hide_name()
        self.said, self.warning = "The meeting is closed: its decisions are locked.", False
        self._changed()
        return True
