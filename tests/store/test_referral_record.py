"""The referral's read-only record (defect 8 of the live-call issue), on both databases: every section
present and right for a high-risk referral decided against the recommendation with a letter sent; one
view audited and nothing else written; no draft made or touched; the replay under the decision's own
ruleset, the stored routing when that ruleset is gone, the ruleset in force before any decision; and
every role without ``view_referral`` refused and audited."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import func, select

from tests.store.conftest import referral_input
from tests.store.test_screenings import ANSWERS
from tests.users import as_admin, as_leader, as_pwp
from triage.labels import labels
from triage.rules.ruleset import default_ruleset
from triage.rules.vocabulary import VARIABLES
from triage.services import (
    DecisionInput,
    ScreeningInput,
    change_status,
    complete_screening,
    confirm_decision,
    create_referral,
    letter_for_decision,
    load_draft,
    recommend,
    record_as_json,
    record_as_text,
    record_letter,
    referral_record,
    save_draft,
    save_gp_practice,
    save_screening,
)
from triage.services.inputs import GpPracticeInput
from triage.services.letters import letter_signer
from triage.services.permissions import PERMISSIONS, PermissionDenied, User
from triage.store import NotFoundError, Store
from triage.store.models import AuditEvent, Draft
from triage.store.vocabulary import ROLES

PWP, LEAD = as_pwp("pwp.one"), as_leader("lead.one")
PRACTICE = GpPracticeInput(code="C84001", name="Example Surgery", address="1 Example Road\nDoncaster\nDN1 1AA",
                           gp_names=("Dr A Example",))  # fmt: skip
HIGH_RISK = {
    **ANSWERS, "phq9": (1, 2, 1, 0, 1, 2, 1, 0, 1), "risk": "high",
    "rating_notes": {"risk": "Risk formulation: thoughts most days"},
    "risk_details": {
        "thoughts": {"present": "yes", "detail": "most days"}, "intent": {"present": "no"},
        "plan": {"present": "no"}, "history": {"present": "yes", "detail": "overdose 2019"},
        "protective_factors": "Two children; a supportive sister",
        "contacted": "Duty senior PWP", "contacted_at": "2025-03-03T10:42:00+00:00",
        "actions_taken": "Safety plan agreed; crisis numbers given.",
    },
    "previous_interventions": ({"intervention": "Guided self-help", "outcome": "unhelpful"},),
}  # fmt: skip
REASON = "Known to the CMHT care coordinator; agreed with the duty worker"


@dataclass
class Case:
    referral_id: str
    earlier_id: str  # another referral for the same person
    screening_id: str
    decision_id: str


def decided_high_risk(store: Store) -> Case:
    """A high-risk referral, decided CMHT against the recommended crisis team with a reason, its GP letter
    built and printed; and an earlier referral of the same person, closed."""
    save_gp_practice(store, as_admin(), PRACTICE)
    earlier = create_referral(store, PWP, referral_input(1, received_on="2023-01-09", source="self")).id
    change_status(store, PWP, earlier, "closed")
    referral_id = create_referral(
        store, PWP, referral_input(1, gp_practice_code="C84001", interpreter_language="Polish")
    ).id
    screening_id, decision_id = complete_screening(
        store, PWP, referral_id, ScreeningInput.model_validate(HIGH_RISK),
        DecisionInput(confirmed_route="cmht", override_reason=REASON, warnings_acknowledged=True),
    )  # fmt: skip
    letter = letter_for_decision(store, PWP, decision_id, "gp", screener=letter_signer(PWP), service=None,
                                 letter_date=date(2025, 3, 3))  # fmt: skip
    record_letter(store, PWP, decision_id, letter, "generated")
    record_letter(store, PWP, decision_id, letter, "printed")
    return Case(referral_id, earlier, screening_id, decision_id)


def audit_count(store: Store) -> int:
    with store.read() as session:
        return int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)


def newest_events(store: Store, count: int) -> list[AuditEvent]:
    with store.read() as session:
        return list(session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(count)))


def drafts(store: Store) -> list[tuple[str, str, str]]:
    with store.read() as session:
        return [(d.referral_id, d.actor, d.payload) for d in session.scalars(select(Draft))]


# --- what the record holds -----------------------------------------------------------------------


def test_the_record_of_a_decided_high_risk_referral_holds_every_section(store: Store) -> None:
    case = decided_high_risk(store)
    record = referral_record(store, PWP, case.referral_id)

    person, referral = record.person, record.referral
    assert (person.given_name, person.family_name, person.date_of_birth) == (
        "Testgiven",
        "Testfamily1",
        date(1985, 3, 14),
    )
    assert person.nhs_number.startswith("999")
    assert (referral.id, referral.status, referral.source, referral.received_on) == (
        case.referral_id, "letter_sent", "gp", date(2024, 5, 1))  # fmt: skip
    assert referral.gp_practice is not None and referral.gp_practice.code == "C84001"
    assert referral.interpreter_language == "Polish" and referral.current_route == "cmht"

    screening = record.screening
    assert screening is not None and screening.id == case.screening_id and screening.screened_by == "pwp.one"
    assert (screening.phq9, screening.gad7, screening.wsas) == (HIGH_RISK["phq9"], ANSWERS["gad7"], ANSWERS["wsas"])
    assert (screening.chronicity, screening.complexity, screening.impairment, screening.substance_use, screening.risk) == (
        ANSWERS["chronicity"], ANSWERS["complexity"], ANSWERS["impairment"], ANSWERS["substance_use"], "high")  # fmt: skip
    assert [(n.variable, n.note) for n in screening.rating_notes] == [("risk", "Risk formulation: thoughts most days")]
    assert [(i.intervention, i.outcome) for i in screening.previous_interventions] == [
        ("Guided self-help", "unhelpful")
    ]
    assert record.screenings_recorded == 1

    risk = screening.risk_details
    assert [(a.question, a.present, a.detail) for a in risk.answers] == [
        ("thoughts", "yes", "most days"), ("intent", "no", ""), ("plan", "no", ""), ("history", "yes", "overdose 2019")]  # fmt: skip
    assert risk.protective_factors == "Two children; a supportive sister"
    assert (risk.contacted, risk.actions_taken) == ("Duty senior PWP", "Safety plan agreed; crisis numbers given.")
    assert risk.contacted_at is not None and risk.contacted_at.isoformat() == "2025-03-03T10:42:00+00:00"

    trace = record.trace
    assert trace is not None and trace.screening_id == case.screening_id
    assert (trace.basis, trace.replay_matches, trace.ruleset_id) == ("replayed", True, default_ruleset().id)
    assert [r.variable for r in trace.ratings] == list(VARIABLES)  # the seven, in the matrix's order
    assert dict((r.variable, r.level) for r in trace.ratings)["risk"] == "high"
    assert trace.route == "crisis_team" and trace.needs_confirmation
    assert {"crisis_team", "cmht"} <= {d.code for d in trace.destinations}
    assert "risk-high" in trace.matched_cells and trace.reasons
    assert (trace.phq9_total, trace.gad7_total) == (sum(HIGH_RISK["phq9"]), sum(ANSWERS["gad7"]))

    decision = record.decision
    assert decision is not None and decision.id == case.decision_id and decision.on_latest_screening
    assert (decision.decided_by, decision.recommended_route, decision.confirmed_route) == (
        "pwp.one",
        "crisis_team",
        "cmht",
    )
    assert decision.overridden and decision.override_reason == REASON and decision.warnings_acknowledged
    assert record.decisions_recorded == 1

    assert [(x.kind, x.event, x.created_by) for x in record.letters] == [("gp", "generated", "pwp.one"),
                                                                          ("gp", "printed", "pwp.one")]  # fmt: skip
    assert [s.status for s in record.status_history] == ["received", "contacted", "screened", "decided", "letter_sent"]
    assert [(h.referral_id, h.status, h.source) for h in record.earlier_referrals] == [
        (case.earlier_id, "closed", "self")
    ]
    assert record.names.routes["cmht"] == default_ruleset().route_labels["cmht"]
    assert "Testfamily1" not in repr(record) and person.nhs_number not in repr(record.person)


def test_opening_the_record_is_one_audited_view_and_writes_nothing_else(store: Store) -> None:
    case = decided_high_risk(store)
    before = audit_count(store)
    referral_record(store, PWP, case.referral_id)
    assert audit_count(store) == before + 1
    (event,) = newest_events(store, 1)
    assert (event.actor, event.action, event.entity_type, event.entity_id) == (
        "pwp.one",
        "view",
        "referral",
        case.referral_id,
    )
    assert "Testfamily" not in event.summary and "999" not in event.summary
    assert drafts(store) == []  # opening a decided referral never starts a re-screen


def test_opening_a_referral_with_a_draft_leaves_the_draft_as_it_was(store: Store) -> None:
    referral_id = create_referral(store, PWP, referral_input(2)).id
    save_draft(store, PWP, referral_id, {"phq9": [1, 2]}, section="phq9")
    kept = drafts(store)
    record = referral_record(store, LEAD, referral_id)  # someone else opening it: still not theirs
    assert drafts(store) == kept and load_draft(store, PWP, referral_id) is not None
    assert (record.screening, record.trace, record.decision) == (None, None, None)
    assert [s.status for s in record.status_history] == ["received"] and record.earlier_referrals == ()


def test_a_screening_not_yet_decided_is_traced_under_the_ruleset_in_force(store: Store) -> None:
    referral_id = create_referral(store, PWP, referral_input(3)).id
    screening_id = save_screening(store, PWP, referral_id, ScreeningInput.model_validate(ANSWERS))
    record = referral_record(store, PWP, referral_id)
    assert record.decision is None and record.trace is not None
    assert (record.trace.basis, record.trace.screening_id, record.trace.replay_matches) == (
        "ruleset_in_force", screening_id, None)  # fmt: skip
    assert drafts(store) == []


def test_without_the_decisions_ruleset_the_stored_routing_is_shown_and_says_so(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:  # fmt: skip
    case = decided_high_risk(store)
    monkeypatch.setattr("triage.services.decisions.find_ruleset", lambda _sha, _extra=(), _session=None: None)
    trace = referral_record(store, PWP, case.referral_id).trace
    assert trace is not None and (trace.basis, trace.route, trace.replay_matches) == ("stored", "crisis_team", None)
    assert "not available on this computer" in trace.replay_message
    assert "risk-high" in trace.matched_cells


def test_a_re_screened_referral_shows_the_latest_screening_and_says_the_decision_is_older(store: Store) -> None:
    case = decided_high_risk(store)
    referral_id = create_referral(store, PWP, referral_input(4)).id
    save_screening(store, PWP, referral_id, ScreeningInput.model_validate(ANSWERS))
    routing = recommend(store, PWP, referral_id)
    first_decision = confirm_decision(store, PWP, referral_id, DecisionInput(
        confirmed_route=routing.route, confirmed_step=routing.step, warnings_acknowledged=True))  # fmt: skip
    change_status(store, PWP, referral_id, "screened")  # back for a re-screen
    latest = save_screening(store, PWP, referral_id, ScreeningInput.model_validate(ANSWERS))
    record = referral_record(store, PWP, referral_id)
    assert record.screening is not None and record.screening.id == latest and record.screenings_recorded == 2
    assert (
        record.decision is not None and record.decision.id == first_decision and not record.decision.on_latest_screening
    )
    assert record.trace is not None and record.trace.screening_id == record.decision.screening_id != latest
    assert case.referral_id not in {h.referral_id for h in record.earlier_referrals}  # another person's


def test_an_unknown_referral_is_not_found_naming_no_id_and_recording_no_view(store: Store) -> None:
    before = audit_count(store)
    with pytest.raises(NotFoundError) as raised:
        referral_record(store, PWP, "no-such-referral")
    assert str(raised.value) == "no referral with that id"
    assert audit_count(store) == before


@pytest.mark.parametrize("role", [r for r in ROLES if r not in PERMISSIONS["view_referral"]])
def test_every_role_without_view_referral_is_refused_and_audited(store: Store, role: str) -> None:
    case = decided_high_risk(store)
    user = User(f"{role}.one", "Someone", role)
    before = audit_count(store)
    with pytest.raises(PermissionDenied):
        referral_record(store, user, case.referral_id)
    assert audit_count(store) == before + 1
    (event,) = newest_events(store, 1)
    assert (event.actor, event.action, event.summary) == (user.username, "permission_denied", "refused: view_referral")


# --- as text and as JSON -------------------------------------------------------------------------


def test_the_text_has_every_section_with_uk_dates_and_the_apps_labels(store: Store) -> None:
    case = decided_high_risk(store)
    text = record_as_text(referral_record(store, PWP, case.referral_id))
    headings = ["Person", "Referral", "Screening", "Ratings and matrix trace", "Risk", "Decision", "Letters",
                "Status history", "Other referrals for this person"]  # fmt: skip
    lines = text.splitlines()
    assert [line for line in lines if line in headings] == headings
    routes = default_ruleset().route_labels
    assert "  Date of birth: 14/03/1985" in lines and "  Received: 01/05/2024, GP" in lines
    assert f"  Status: {labels().statuses['letter_sent']}" in lines
    assert f"  Chosen: {routes['cmht']} (an override of the recommendation)" in lines
    assert f"  Recommended: {routes['crisis_team']}" in lines and f"  Reason: {REASON}" in lines
    assert "  Protective factors: Two children; a supportive sister" in lines
    assert any(line.startswith("  Contacted: Duty senior PWP, 03/03/2025 ") for line in lines)
    assert any(f"{labels().letter_kinds['gp']} printed by pwp.one (" in line for line in lines)
    assert any(line.startswith("  09/01/2023 Self-referral, Closed: no decision") for line in lines)
    assert "    - Guided self-help: Unhelpful" in lines


def test_the_json_has_stable_keys_and_iso_dates(store: Store) -> None:
    case = decided_high_risk(store)
    data = json.loads(json.dumps(record_as_json(referral_record(store, PWP, case.referral_id))))
    assert list(data) == ["person", "referral", "screening", "screenings_recorded", "trace", "decision",
                          "decisions_recorded", "letters", "status_history", "journey", "earlier_referrals",
                          "corrections", "merges", "missing"]  # fmt: skip
    assert data["person"]["date_of_birth"] == "1985-03-14" and data["referral"]["received_on"] == "2024-05-01"
    assert data["decision"]["confirmed_route"] == "cmht" and data["decision"]["overridden"] is True
    assert data["decision"]["override_reason"] == REASON and data["decision"]["decided_at"].endswith("+00:00")
    assert [r["variable"] for r in data["trace"]["ratings"]] == list(VARIABLES)
    assert data["screening"]["risk_details"]["contacted_at"] == "2025-03-03T10:42:00+00:00"
    assert [h["referral_id"] for h in data["earlier_referrals"]] == [case.earlier_id]
    assert [(x["kind"], x["event"]) for x in data["letters"]] == [("gp", "generated"), ("gp", "printed")]
