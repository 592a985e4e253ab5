"""Letters from stored decisions, on both databases: built under the decision's own ruleset, every
letter event recorded and audited without identifiers, identical letters detectable, and the referral
moved to letter sent only when a GP letter leaves."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select, text

from tests.store.conftest import referral_input
from tests.store.test_decisions import HIGH_COMPLEXITY
from tests.store.test_screenings import ANSWERS
from tests.users import PWP, as_admin, as_pwp
from triage.letters import KINDS, LetterInputError, Screener
from triage.resources import resource_path
from triage.rules.ruleset import load_ruleset
from triage.services import (
    DecisionInput,
    GpAddressMissing,
    ScreeningInput,
    change_status,
    confirm_decision,
    create_referral,
    decided_referral,
    find_ruleset,
    get_referral,
    identical_letters_sent,
    letter_for_decision,
    letters_sent,
    parse,
    recommend,
    record_letter,
    save_gp_practice,
    save_screening,
)
from triage.services.inputs import GpPracticeInput
from triage.services.letters import letterhead
from triage.settings import ServiceSettings
from triage.store import IntegrityProblem, RefusedError, Store
from triage.store.audit import verify_audit_chain
from triage.store.models import AuditEvent, LetterRecord
from triage.store.vocabulary import LETTER_KINDS

SCREENER = Screener(name="Priya Shah", role="Psychological wellbeing practitioner")
TODAY = date(2025, 3, 3)
PRACTICE = {"code": "C84001", "name": "Example Street Surgery", "address": "2 Example Street\nDoncaster\nDN1 1AB",
            "gp_names": ("Dr A Example", "Dr B Sample")}  # fmt: skip


POSTAL_ADDRESS = {"address_line1": "1 Test Road", "address_line3": "Doncaster", "postcode": "DN2 5AA"}


def decided(store: Store, answers: dict = ANSWERS, *, practice: dict | None = PRACTICE, serial: int = 1,
            ruleset=None, referral: dict | None = None, **decision: object) -> tuple[str, str]:  # fmt: skip
    """(referral id, decision id) of a referral screened and decided as recommended. The referral names
    the practice's first GP as its referring GP, and has a postal address, unless ``referral`` says otherwise."""
    if practice is not None:
        save_gp_practice(store, as_admin("admin"), parse(GpPracticeInput, practice))
    code = practice["code"] if practice else None
    gps = practice.get("gp_names", ()) if practice else ()
    fields = {"gp_practice_code": code, "referring_gp": gps[0] if gps else None, **POSTAL_ADDRESS, **(referral or {})}
    referral_id = create_referral(store, as_pwp("pwp"), referral_input(serial, **fields)).id
    save_screening(store, as_pwp("pwp"), referral_id, ScreeningInput.model_validate(answers))
    routing = recommend(store, PWP, referral_id, ruleset)
    data = {"confirmed_route": routing.route, "confirmed_step": routing.step, "warnings_acknowledged": True, **decision}
    return referral_id, confirm_decision(
        store, as_pwp("lead"), referral_id, DecisionInput.model_validate(data), ruleset=ruleset
    )


def build(store: Store, decision_id: str, kind: str = "gp", **options: object):  # type: ignore[no-untyped-def]
    return letter_for_decision(store, PWP, decision_id, kind, screener=SCREENER, service=None, letter_date=TODAY, **options)  # type: ignore[arg-type]  # fmt: skip


def letter_events(store: Store) -> list[AuditEvent]:
    with store.read() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == "letter").order_by(AuditEvent.id)))


def test_the_store_and_the_letters_know_the_same_kinds() -> None:
    assert LETTER_KINDS == KINDS


def test_a_gp_letter_is_built_from_the_stored_referral_screening_and_decision(store: Store) -> None:
    referral_id, decision_id = decided(store)
    letter = build(store, decision_id)
    text_ = " ".join(letter.paragraphs)
    assert letter.kind == "gp" and letter.pages >= 1 and letter.pdf.startswith(b"%PDF")
    for expected in ("Dr A Example", "Example Street Surgery", "2 Example Street", "DN1 1AB", "Testfamily1",
                     "Priya Shah", "Our reference REF-000001"):  # fmt: skip
        assert expected in text_
    assert referral_id not in text_  # the store's internal id is not a reference anyone reads out
    assert letter.content.recipient == (
        "Dr A Example",
        "Example Street Surgery",
        "2 Example Street",
        "Doncaster",
        "DN1 1AB",
    )
    assert build(store, decision_id).sha256 == letter.sha256  # the same inputs, the same bytes


def test_each_letter_event_is_recorded_and_audited_without_identifiers(store: Store) -> None:
    referral_id, decision_id = decided(store)
    letter = build(store, decision_id)
    generated = record_letter(store, as_pwp("pwp"), decision_id, letter, "generated")
    assert record_letter(store, as_pwp("pwp"), decision_id, letter, "generated") == generated  # previewed again: once
    printed = record_letter(store, as_pwp("pwp"), decision_id, letter, "printed")
    assert (printed.kind, printed.event, printed.sha256, printed.pages, printed.created_by) == (
        "gp", "printed", letter.sha256, letter.pages, "pwp")  # fmt: skip
    assert (printed.referral_id, printed.decision_id) == (referral_id, decision_id)
    events = letter_events(store)
    assert [e.summary.split(" (")[0] for e in events] == ["GP letter generated", "GP letter printed"]
    assert all(e.entity_type == "referral" and e.entity_id == referral_id for e in events)
    assert letter.sha256 in events[-1].summary and printed.id in events[-1].summary
    person = get_referral(store, PWP, referral_id).person
    for event in events:
        for identifier in (person.nhs_number, person.family_name, person.given_name, person.date_of_birth.isoformat()):
            assert identifier not in event.summary
    with store.read() as session:
        assert verify_audit_chain(session) == []


def test_an_identical_letter_already_sent_is_detected(store: Store) -> None:
    _, decision_id = decided(store)
    letter = build(store, decision_id)
    assert identical_letters_sent(store, PWP, decision_id, letter) == []
    record_letter(store, as_pwp("pwp"), decision_id, letter, "generated")
    assert identical_letters_sent(store, PWP, decision_id, letter) == []  # only a letter that left counts
    first = record_letter(store, as_pwp("pwp"), decision_id, letter, "saved")
    again = build(store, decision_id)
    assert identical_letters_sent(store, PWP, decision_id, again) == [first]
    patient = build(store, decision_id, "patient")
    assert identical_letters_sent(store, PWP, decision_id, patient) == []
    record_letter(store, as_pwp("lead"), decision_id, letter, "printed")
    assert [r.event for r in identical_letters_sent(store, PWP, decision_id, letter)] == ["saved", "printed"]
    assert [r.kind for r in letters_sent(store, PWP, decision_id)] == ["gp", "gp"]


@pytest.mark.parametrize("output", ["printed", "saved"])
def test_only_a_gp_letter_leaving_moves_the_referral_to_letter_sent(store: Store, output: str) -> None:
    referral_id, decision_id = decided(store, HIGH_COMPLEXITY)
    assert decided_referral(store, PWP, referral_id).kinds == ("gp", "patient", "referral-on")
    for kind in ("patient", "referral-on"):
        letter = build(store, decision_id, kind)
        record_letter(store, as_pwp("pwp"), decision_id, letter, "generated")
        record_letter(store, as_pwp("pwp"), decision_id, letter, output)  # type: ignore[arg-type]
    assert get_referral(store, PWP, referral_id).status == "decided"
    gp = build(store, decision_id)
    record_letter(store, as_pwp("pwp"), decision_id, gp, "generated")
    assert get_referral(store, PWP, referral_id).status == "decided"  # generating is not sending
    record_letter(store, as_pwp("pwp"), decision_id, gp, output)  # type: ignore[arg-type]
    referral = get_referral(store, PWP, referral_id)
    assert referral.status == "letter_sent"
    assert [c.status for c in referral.status_changes][-2:] == ["decided", "letter_sent"]
    record_letter(store, as_pwp("pwp"), decision_id, gp, "printed")  # a second copy: recorded, status unchanged
    assert get_referral(store, PWP, referral_id).status == "letter_sent"
    assert decided_referral(store, PWP, referral_id).status == "letter_sent"  # letters can still be produced


def test_the_referral_on_summary_is_only_for_routes_outside_iapt(store: Store) -> None:
    referral_id, decision_id = decided(store)
    assert decided_referral(store, PWP, referral_id).kinds == ("gp", "patient")
    with pytest.raises(LetterInputError):
        build(store, decision_id, "referral-on")


def test_letters_are_refused_without_a_confirmed_decision(store: Store) -> None:
    received = create_referral(store, as_pwp("pwp"), referral_input(5)).id
    with pytest.raises(RefusedError, match="no confirmed decision"):
        decided_referral(store, PWP, received)
    referral_id, decision_id = decided(store, serial=2)
    change_status(
        store, as_pwp("lead"), referral_id, "screened"
    )  # a re-screen is needed: the decision no longer stands
    with pytest.raises(RefusedError, match="no confirmed decision"):
        decided_referral(store, PWP, referral_id)
    with pytest.raises(RefusedError):
        build(store, decision_id)


def test_a_replaced_decision_gets_no_letter(store: Store) -> None:
    referral_id, old = decided(store)
    routing = recommend(store, PWP, referral_id)
    new = confirm_decision(store, as_pwp("lead"), referral_id, DecisionInput(confirmed_route=routing.route, confirmed_step=routing.step,
                                                             warnings_acknowledged=True))  # fmt: skip
    letter = build(store, new)
    with pytest.raises(RefusedError, match="replaced by a later one"):
        build(store, old)
    with pytest.raises(RefusedError, match="replaced by a later one"):
        record_letter(store, as_pwp("pwp"), old, letter, "printed")


def test_the_letter_is_built_under_the_decisions_own_ruleset(store: Store, tmp_path: Path) -> None:
    document = yaml.safe_load(resource_path("rules", "doncaster-2007.yaml").read_text(encoding="utf-8"))
    document["version"] = "9.9.9"
    document.pop("sha256", None)  # a local edit, unreviewed: its hash is computed
    local = tmp_path / "local.yaml"
    local.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    ruleset = load_ruleset(local)
    _, decision_id = decided(store, ruleset=ruleset)
    asked: list[str] = []

    def lookup(sha256: str):  # type: ignore[no-untyped-def]
        asked.append(sha256)
        return find_ruleset(sha256, [local])

    letter = build(store, decision_id, ruleset_lookup=lookup)
    assert asked == [ruleset.sha256]
    assert "9.9.9" in letter.content.footer_rules and ruleset.sha256[:8] in letter.content.footer_rules
    with pytest.raises(RefusedError, match="version 9.9.9, which is not available on this computer"):
        build(store, decision_id)  # the shipped rulesets only: refused, never built under another


def test_a_letter_needs_the_gp_practice_address(store: Store) -> None:
    _, no_practice = decided(store, practice=None)
    for kind in ("gp", "patient"):
        with pytest.raises(GpAddressMissing, match="address is missing"):
            build(store, no_practice, kind)
    _, no_postcode = decided(store, practice={**PRACTICE, "code": "C84002", "address": "2 Example Street\nDoncaster"},
                             serial=2)  # fmt: skip
    with pytest.raises(GpAddressMissing):
        build(store, no_postcode)
    _, one_line = decided(store, practice={**PRACTICE, "code": "C84003", "address": "2 Example Street; Doncaster DN1 1AB",
                                           "gp_names": ()}, serial=3)  # fmt: skip
    letter = build(store, one_line)
    assert letter.content.recipient == ("The GP", "Example Street Surgery", "2 Example Street", "Doncaster", "DN1 1AB")
    assert letter.content.salutation == "Dear Doctor,"  # the practice names no GP


def test_medium_risk_carries_the_actions_recorded_at_screening(store: Store) -> None:
    answers = {**ANSWERS, "risk": "medium", "risk_details": {
        **ANSWERS["risk_details"], "contacted": "Duty senior PWP", "contacted_at": "2025-03-03T10:42:00",
        "actions_taken": "Safety plan agreed; crisis numbers given."}}  # fmt: skip
    _, decision_id = decided(store, answers)
    text_ = " ".join(build(store, decision_id).paragraphs)
    assert "Contacted: Duty senior PWP, 03/03/2025 10:42. Safety plan agreed; crisis numbers given." in text_


def test_an_override_reason_reaches_the_letter(store: Store) -> None:
    _, decision_id = decided(store, HIGH_COMPLEXITY, confirmed_route="core_iapt", confirmed_step=3,
                             override_reason="CMHT declined, agreed at MDT")  # fmt: skip
    assert "CMHT declined, agreed at MDT" in " ".join(build(store, decision_id).paragraphs)


def test_the_letterhead_comes_from_the_settings() -> None:
    service = letterhead(ServiceSettings(service_name="Doncaster Talking Therapies", address_lines=("1 Example Street",),
                                         phone="01302 000 000"))  # fmt: skip
    assert service is not None and service.phone == "01302 000 000"
    with pytest.raises(RefusedError, match="service.phone"):
        letterhead(ServiceSettings(phone="call us"))


def test_letter_rows_are_never_changed_or_deleted(store: Store) -> None:
    _, decision_id = decided(store)
    row = record_letter(store, as_pwp("pwp"), decision_id, build(store, decision_id), "saved")
    for statement in ("UPDATE letter SET event = 'printed' WHERE id = :id", "DELETE FROM letter WHERE id = :id"):
        with pytest.raises(IntegrityProblem), store.write() as session:
            session.execute(text(statement), {"id": row.id})
    with store.read() as session:
        assert session.get(LetterRecord, row.id) is not None


def test_the_signer_is_the_user_with_their_role_title_from_the_templates() -> None:
    from triage.services.letters import letter_signer
    from triage.services.permissions import User

    assert letter_signer(User("p", "Priya Shah", "pwp")).model_dump() == {
        "name": "Priya Shah", "role": "Psychological Wellbeing Practitioner"}  # fmt: skip
    assert letter_signer(User("t", "Tom Lead", "team_leader")).role == "Team Leader"
    with pytest.raises(RefusedError, match="cannot be signed by the admin role"):
        letter_signer(User("a", "Admin", "admin"))
