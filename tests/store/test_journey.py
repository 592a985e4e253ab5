"""The referral's journey in the store, on SQLite and PostgreSQL (issue 15 items 1, 3 and 10): every
lifecycle path through the services, every transition not allowed refused with nothing changed, the
waits flagged on the record, the letters not yet sent, and the new fields in the export."""

from __future__ import annotations

import io
import json
from datetime import date, datetime, timedelta
from itertools import product
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.store.conftest import referral_input
from tests.store.test_decisions import HIGH_COMPLEXITY
from tests.store.test_letters_store import build, decided
from tests.store.test_screenings import ANSWERS
from tests.users import LEADER, PWP
from triage.services import ScreeningInput, change_status, create_referral, get_referral, record_letter, save_screening
from triage.services.inputs import InvalidInput
from triage.services.journey import (
    CloseInput,
    ContactInput,
    TreatmentInput,
    close_referral,
    letters_not_sent,
    parse_journey,
    record_contact,
    record_treatment_start,
)
from triage.services.record_output import record_as_json, record_as_text
from triage.services.referral_record import referral_record
from triage.services.transfer import export_to_stream
from triage.store import RefusedError, Store
from triage.store.models import AuditEvent, ContactEvent, Referral, StatusChange
from triage.store.vocabulary import REFERRAL_STATUSES, TRANSITIONS

WHEN = datetime(2024, 5, 2, 10, 30)  # the day after referral_input's received date, local time


def contact(kind: str = "attempt", outcome: str | None = "reached", when: datetime = WHEN, channel: str = "telephone") -> ContactInput:  # fmt: skip
    data: dict[str, Any] = {"kind": kind, "occurred_at": when, "channel": channel}
    if outcome is not None:
        data["outcome"] = outcome
    return parse_journey(ContactInput, data)


def statuses(store: Store, referral_id: str) -> list[str]:
    return [change.status for change in get_referral(store, PWP, referral_id).status_changes]


def screen(store: Store, referral_id: str) -> None:
    save_screening(store, PWP, referral_id, ScreeningInput.model_validate(ANSWERS))


def test_reached_screened_decided_letter_sent_closed_as_referred_on(store: Store) -> None:
    referral_id, decision_id = decided(store, HIGH_COMPLEXITY)  # received, contacted, screened, decided
    gp = build(store, decision_id)
    record_letter(store, PWP, decision_id, gp, "printed")
    step = close_referral(store, PWP, referral_id, parse_journey(CloseInput, {"reason": "referred_on"}))
    assert step.status == "closed"
    assert statuses(store, referral_id) == ["received", "contacted", "screened", "decided", "letter_sent", "closed"]
    assert get_referral(store, PWP, referral_id).closed_reason == "referred_on"


def test_opt_in_offered_then_no_answer_then_opted_in_then_screened(store: Store) -> None:
    referral_id = create_referral(store, PWP, referral_input(1)).id
    assert (
        record_contact(store, PWP, referral_id, contact("opt_in_offered", None, channel="letter")).status == "received"
    )
    assert record_contact(store, PWP, referral_id, contact(outcome="no_answer")).status == "no_contact"
    assert record_contact(store, PWP, referral_id, contact(outcome="voicemail_left")).status == "no_contact"
    later = WHEN + timedelta(days=2)
    assert (
        record_contact(store, PWP, referral_id, contact("opted_in", None, when=later, channel="online")).status
        == "contacted"
    )
    screen(store, referral_id)
    referral = get_referral(store, PWP, referral_id)
    assert [c.status for c in referral.status_changes] == ["received", "no_contact", "contacted", "screened"]
    assert (referral.opted_in_on, referral.first_contact_on) == (later.date(), later.date())
    with store.read() as session:
        kinds = session.execute(select(ContactEvent.kind, ContactEvent.channel, ContactEvent.outcome)
                                .where(ContactEvent.referral_id == referral_id).order_by(ContactEvent.id)).all()  # fmt: skip
    assert [tuple(k) for k in kinds] == [("opt_in_offered", "letter", None), ("attempt", "telephone", "no_answer"),
                                          ("attempt", "telephone", "voicemail_left"), ("opted_in", "online", None)]  # fmt: skip


def test_no_contact_then_closed_with_a_note(store: Store) -> None:
    referral_id = create_referral(store, PWP, referral_input(1)).id
    record_contact(store, PWP, referral_id, contact(outcome="wrong_number"))
    note = "Three calls and a letter, no reply; GP told"
    close_referral(store, PWP, referral_id, parse_journey(CloseInput, {"reason": "no_contact", "note": note}))
    assert statuses(store, referral_id) == ["received", "no_contact", "closed"]
    with store.read() as session:
        summaries = list(session.scalars(select(AuditEvent.summary).where(AuditEvent.entity_id == referral_id)))
    assert "closed: reason no_contact (with a note)" in summaries
    assert "contact recorded: attempt by telephone, wrong number" in summaries
    assert not any("calls" in summary or "Testfamily" in summary for summary in summaries)  # no free text, no name


@pytest.mark.parametrize("at", ["received", "contacted", "screened", "decided"])
def test_closed_from_each_open_status(store: Store, at: str) -> None:
    referral_id = create_referral(store, PWP, referral_input(1)).id
    if at != "received":
        record_contact(store, PWP, referral_id, contact())
    if at in ("screened", "decided"):
        screen(store, referral_id)
    if at == "decided":
        change_status(store, PWP, referral_id, "decided")
    close_referral(store, PWP, referral_id, parse_journey(CloseInput, {"reason": "declined"}))
    assert statuses(store, referral_id)[-2:] == [at, "closed"]


def test_a_decided_referral_screened_again_goes_back_to_screened(store: Store) -> None:
    referral_id, _ = decided(store)
    change_status(store, PWP, referral_id, "screened")
    assert statuses(store, referral_id)[-2:] == ["decided", "screened"]


def test_treatment_start_then_closed_as_treatment_started(store: Store) -> None:
    referral_id, _ = decided(store)
    record_treatment_start(store, PWP, referral_id, TreatmentInput(started_on=date(2024, 5, 20)))
    close_referral(store, LEADER, referral_id, parse_journey(CloseInput, {"reason": "treatment_started"}))
    record = referral_record(store, PWP, referral_id, today=date(2024, 6, 1))
    assert (record.journey.treatment_started_on, record.journey.days_to_treatment) == (date(2024, 5, 20), 19)
    assert {f.code: f.state for f in record.journey.flags}["treatment_28_days"] == "within"


def rows(store: Store) -> dict[str, Any]:
    """Every referral, status step, contact step and audit event: "nothing changed" means these are equal."""
    with store.read() as session:
        return {
            "referrals": [tuple(r) for r in session.execute(select(Referral.__table__).order_by(Referral.id))],
            "changes": session.scalar(select(func.count()).select_from(StatusChange)),
            "contacts": session.scalar(select(func.count()).select_from(ContactEvent)),
            "audit": session.scalar(select(func.count()).select_from(AuditEvent)),
        }


def at_status(store: Store, serial: int, status: str) -> str:
    """A referral brought to ``status`` along allowed transitions."""
    referral_id = create_referral(store, PWP, referral_input(serial)).id
    path = {"received": [], "no_contact": ["no_contact"], "contacted": ["contacted"],
            "screened": ["contacted", "screened"], "decided": ["contacted", "screened", "decided"],
            "letter_sent": ["contacted", "screened", "decided", "letter_sent"], "closed": ["closed"]}[status]  # fmt: skip
    for step in path:
        change_status(store, PWP, referral_id, step)  # type: ignore[arg-type]
    return referral_id


REFUSED = [(a, b) for a, b in product(REFERRAL_STATUSES, REFERRAL_STATUSES) if b not in TRANSITIONS[a]]


def test_every_transition_not_allowed_is_refused_and_changes_nothing(store: Store) -> None:
    ids = {status: at_status(store, n, status) for n, status in enumerate(REFERRAL_STATUSES, start=1)}
    assert len(REFUSED) == 49 - sum(len(t) for t in TRANSITIONS.values())
    for start, target in REFUSED:
        before = rows(store)
        with pytest.raises(RefusedError, match=f"cannot go from {start} to {target}"):
            change_status(store, PWP, ids[start], target)
        assert rows(store) == before, (start, target)


JOURNEY_REFUSALS = [
    ("closed", lambda s, r: record_contact(s, PWP, r, contact()), "the referral is closed"),
    ("closed", lambda s, r: record_contact(s, PWP, r, contact("opted_in", None)), "the referral is closed"),
    ("closed", lambda s, r: close_referral(s, PWP, r, CloseInput(reason="declined")), "the referral is closed"),
    ("closed", lambda s, r: record_treatment_start(s, PWP, r, TreatmentInput(started_on=date(2024, 5, 9))), "closed"),
    ("received", lambda s, r: record_contact(s, PWP, r, contact(when=datetime(2024, 4, 30, 9, 0))),
     "occurred_at: must not be before the date the referral was received"),
    ("screened", lambda s, r: record_treatment_start(s, PWP, r, TreatmentInput(started_on=date(2024, 5, 9))),
     "only once the referral is decided"),
    ("decided", lambda s, r: record_treatment_start(s, PWP, r, TreatmentInput(started_on=date(2024, 4, 1))),
     "started_on: must not be before"),
    ("contacted", lambda s, r: close_referral(s, PWP, r, CloseInput(reason="referred_on")), "needs a decision first"),
    ("decided", lambda s, r: close_referral(s, PWP, r, CloseInput(reason="treatment_started")),
     "record the treatment start first"),
]  # fmt: skip


@pytest.mark.parametrize(("status", "call", "message"), JOURNEY_REFUSALS, ids=[m for _, _, m in JOURNEY_REFUSALS])
def test_each_journey_action_not_allowed_is_refused_and_changes_nothing(store: Store, status: str, call: Any, message: str) -> None:  # fmt: skip
    referral_id = at_status(store, 1, status)
    before = rows(store)
    with pytest.raises(RefusedError, match=message):
        call(store, referral_id)
    assert rows(store) == before


def test_a_treatment_start_is_recorded_once(store: Store) -> None:
    referral_id = at_status(store, 1, "decided")
    record_treatment_start(store, PWP, referral_id, TreatmentInput(started_on=date(2024, 5, 9)))
    before = rows(store)
    with pytest.raises(RefusedError, match="already recorded"):
        record_treatment_start(store, PWP, referral_id, TreatmentInput(started_on=date(2024, 5, 10)))
    assert rows(store) == before


@pytest.mark.parametrize(
    ("model", "data", "problem"),
    [
        (ContactInput, {"kind": "attempt", "occurred_at": WHEN, "channel": "telephone"}, "outcome: required"),
        (ContactInput, {"kind": "opted_in", "occurred_at": WHEN, "channel": "online", "outcome": "reached"}, "outcome: only"),
        (ContactInput, {"kind": "attempt", "occurred_at": WHEN, "channel": "pigeon", "outcome": "reached"}, "channel:"),
        (ContactInput, {"kind": "attempt", "occurred_at": datetime.now() + timedelta(days=2), "channel": "telephone",
                        "outcome": "reached"}, "occurred_at: must not be in the future"),
        (CloseInput, {"reason": "other"}, "note: required when the reason is other"),
        (CloseInput, {"reason": "bored"}, "reason:"),
        (TreatmentInput, {"started_on": date.today() + timedelta(days=7)}, "started_on: must not be in the future"),
    ],
)  # fmt: skip
def test_bad_journey_input_names_the_field(model: Any, data: dict[str, Any], problem: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_journey(model, data)
    assert any(line.startswith(problem) for line in caught.value.problems), caught.value.problems


def test_the_record_flags_an_assessment_four_days_after_referral(store: Store) -> None:
    today = date.today()
    referral_id = create_referral(store, PWP, referral_input(1, received_on=(today - timedelta(days=4)).isoformat())).id
    screen(store, referral_id)  # screened today: day 4
    record = referral_record(store, PWP, referral_id)
    flags = {f.code: f for f in record.journey.flags}
    assert (flags["assessment_3_days"].days, flags["assessment_3_days"].word) == (4, "Over target")
    assert record.journey.days_to_screening == 4 and record.journey.first_contact_on == today
    text = record_as_text(record)
    assert "Referral to assessment within 3 days [within 3 days]: Over target (4 days)" in text
    assert "UNVERIFIED: not in the seed documents." in text and "NHS England" in text
    data = record_as_json(record)
    assert data["journey"]["days_to_screening"] == 4
    assert {f["code"]: f["verified"] for f in data["journey"]["flags"]}["national_18_weeks"] is False


def test_letters_not_sent_lists_decided_referrals_oldest_decision_first(store: Store) -> None:
    first, _ = decided(store, serial=1)
    sent, sent_decision = decided(store, serial=2)
    third, _ = decided(store, serial=3, practice=None)
    record_letter(store, PWP, sent_decision, build(store, sent_decision), "saved")
    assert [row.referral_id for row in letters_not_sent(store, PWP)] == [first, third]
    with store.read() as session:
        assert (
            session.scalar(select(AuditEvent.summary).order_by(AuditEvent.id.desc()).limit(1))
            == "search returned 2 results"
        )


def test_the_export_carries_the_journey_fields(store: Store) -> None:
    referral_id = create_referral(store, PWP, referral_input(1)).id
    record_contact(store, PWP, referral_id, contact("opted_in", None))
    close_referral(store, PWP, referral_id, CloseInput(reason="other", note="moved to a private provider"))
    out = io.StringIO()
    export_to_stream(store, LEADER, out, "json")
    (exported,) = json.loads(out.getvalue())
    assert {k: exported[k] for k in ("opted_in_on", "first_contact_on", "treatment_started_on", "closed_reason",
                                      "closed_note", "status")} == {
        "opted_in_on": "2024-05-02", "first_contact_on": "2024-05-02", "treatment_started_on": None,
        "closed_reason": "other", "closed_note": "moved to a private provider", "status": "closed"}  # fmt: skip
    # The contact steps, in the order they happened (JSON only: a CSV row cannot hold a list), and the
    # team and clinician fields (none here), so nothing the journey recorded is missing from the export.
    assert exported["contacts"] == [{"kind": "opted_in", "occurred_at": exported["contacts"][0]["occurred_at"],
                                     "channel": "telephone", "outcome": None, "recorded_by": PWP.username}]  # fmt: skip
    assert datetime.fromisoformat(exported["contacts"][0]["occurred_at"]) == WHEN.astimezone()
    assert (exported["team_code"], exported["assigned_to"], exported["inappropriate_reason"]) == (None, None, None)


def test_the_list_shows_days_waiting_and_the_flag_in_words(store: Store) -> None:
    from triage.services.referral_list import ReferralFilter, referral_page

    today = date.today()
    late = create_referral(store, PWP, referral_input(1, received_on=(today - timedelta(days=4)).isoformat())).id
    fresh = create_referral(store, PWP, referral_input(2, received_on=today.isoformat())).id
    done = create_referral(store, PWP, referral_input(3)).id
    close_referral(store, PWP, done, CloseInput(reason="duplicate"))
    rows = {r.id: (r.days_waiting, r.wait_flag) for r in referral_page(store, PWP, ReferralFilter())}
    assert rows == {late: (4, "Over target"), fresh: (0, "Within target"), done: (None, "")}
    over = referral_page(store, PWP, ReferralFilter(journey="over_target"), sort="waiting")
    assert [r.id for r in over] == [late]


def test_contact_steps_are_never_changed_or_deleted(store: Store) -> None:
    from sqlalchemy import delete, update

    referral_id = create_referral(store, PWP, referral_input(1)).id
    record_contact(store, PWP, referral_id, contact(outcome="no_answer"))
    before = rows(store)
    for statement in (update(ContactEvent).values(outcome="reached"), delete(ContactEvent)):
        with pytest.raises(Exception, match="contact_event|refused|triage_refuse"), store.write() as session:
            session.execute(statement)
    assert rows(store) == before


def test_the_services_own_targets_kept_in_the_store_flag_the_list_and_the_record(store: Store) -> None:
    """The targets a service configures are one field of its settings, kept in the store: a 5-day
    assessment target, set by an admin, makes day 4 within target in the record and the list alike."""
    from tests.users import ADMIN
    from triage.rules.waits import default_wait_targets
    from triage.services.referral_list import ReferralFilter, count_referrals, referral_page
    from triage.services.service_settings import save_service_settings, service_settings

    today = date.today()
    referral_id = create_referral(store, PWP, referral_input(1, received_on=(today - timedelta(days=4)).isoformat())).id
    screen(store, referral_id)  # screened today: day 4, over the shipped 3-day target
    over = ReferralFilter(journey="over_target")

    def assessment_word() -> str:
        return {f.code: f.word for f in referral_record(store, PWP, referral_id).journey.flags}["assessment_3_days"]

    assert assessment_word() == "Over target"
    shipped = default_wait_targets()
    own = shipped.model_copy(update={"targets": tuple(
        t.model_copy(update={"days": 5, "label": "Referral to assessment within 5 days"})
        if t.code == "assessment_3_days" else t for t in shipped.targets)})  # fmt: skip
    wrong = own.model_copy(update={"targets": tuple(t.model_copy(update={"label": "Within 3 days"})
                                                    if t.code == "assessment_3_days" else t for t in own.targets)})  # fmt: skip
    with pytest.raises(RefusedError, match="the label says 3 days but the target is 5 days"):  # nothing saved
        save_service_settings(store, ADMIN, service_settings(store).model_copy(update={"wait_targets": wrong}))
    save_service_settings(store, ADMIN, service_settings(store).model_copy(update={"wait_targets": own}))
    assert service_settings(store).wait_targets == own  # read back from the store
    assert assessment_word() == "Within target"
    assert count_referrals(store, PWP, over) == 0 and referral_page(store, PWP, over) == []


def test_the_json_export_carries_the_latest_screenings_assessment_content(store: Store) -> None:
    referral_id, _ = decided(store, HIGH_COMPLEXITY)
    out = io.StringIO()
    export_to_stream(store, LEADER, out, "json")
    (exported,) = [r for r in json.loads(out.getvalue()) if r["id"] == referral_id]
    content = exported["assessment"]
    assert content["problem_descriptor"] == "depression" and content["long_term_conditions"] == ["diabetes"]
    assert content["previous_interventions"][0]["outcome"] == "unhelpful"
    assert set(content) >= {"secondary_descriptors", "discuss_in_supervision", "assessment", "screened_at"}
