"""The referral's journey from the command line (issue 15 items 1 and 10): every lifecycle path walked with
``triage referrals offer-opt-in|opt-in|contact|treatment|close``, shown by ``referrals show``, the decided
referrals without a GP letter listed by ``referrals letters-not-sent``, and every refusal one line with
nothing changed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests import test_cli_store as cli_store
from tests.store.conftest import make_nhs_number
from tests.test_cli_store import (
    ADMIN,
    LEAD,
    PWP,
    ROW,
    audit_trail,
    opened,
    referral_rows,
    refused,
    rows_file,
    run,
    run_as,
)

# The CLI store tests' fixtures, shared: one template store per module, copied for each test.
template, new_store, environment = cli_store.template, cli_store.new_store, cli_store.environment

ANSWERS = {"phq9": (1, 2, 1, 0, 1, 2, 1, 0, 0), "gad7": (2, 1, 1, 0, 1, 2, 1), "chronicity": "medium",
           "complexity": "low", "impairment": "medium", "substance_use": "low", "risk": "low",
           "problem_descriptor": "depression"}  # fmt: skip


def imported(tmp_path: Path, capsys: pytest.CaptureFixture[str], db: Path, key: bytes, count: int) -> list[str]:
    """``count`` referrals imported by the PWP, their ids in NHS-number order."""
    people = [{**ROW, "nhs_number": make_nhs_number(n)} for n in range(1, count + 1)]
    assert run(capsys, "--database", db, "referrals", "import", rows_file(tmp_path, people))[0] == 0
    with opened(db, key) as store, store.engine.connect() as connection:
        query = "SELECT r.id FROM referral r JOIN person p ON p.id = r.person_id ORDER BY p.nhs_number"
        return [str(row[0]) for row in connection.exec_driver_sql(query)]


def screen_and_decide(db: Path, key: bytes, referral_id: str) -> None:
    from triage.services import DecisionInput, ScreeningInput, confirm_decision, recommend, save_screening
    from triage.services.permissions import User

    pwp = User(PWP, PWP, "pwp")
    with opened(db, key) as store:
        save_screening(store, pwp, referral_id, ScreeningInput.model_validate(ANSWERS))
        routing = recommend(store, pwp, referral_id)
        confirm_decision(store, pwp, referral_id, DecisionInput(confirmed_route=routing.route,
                         confirmed_step=routing.step, warnings_acknowledged=True))  # fmt: skip


def referrals(capsys: pytest.CaptureFixture[str], db: Path, *args: str) -> tuple[int, str, str]:
    return run(capsys, "--database", db, "referrals", *args)


def show(capsys: pytest.CaptureFixture[str], db: Path, referral_id: str) -> dict[str, Any]:
    code, out, err = referrals(capsys, db, "show", referral_id, "--format", "json")
    assert (code, err) == (0, "")
    return json.loads(out)  # type: ignore[no-any-return]


def test_every_lifecycle_path_from_the_command_line(tmp_path, capsys, new_store, template) -> None:  # type: ignore[no-untyped-def]
    db = new_store(tmp_path / "t.db")
    full, unreached, declined = imported(tmp_path, capsys, db, template.key, 3)

    # received -> (opt-in offered) -> no contact -> contacted -> screened -> decided -> treatment -> closed
    assert referrals(capsys, db, "offer-opt-in", full, "--channel", "letter", "--at", "2024-05-01 09:00") == (
        0, "recorded: offer-opt-in; the referral is now received\n", "")  # fmt: skip
    assert referrals(capsys, db, "contact", full, "--channel", "telephone", "--outcome", "no_answer",
                     "--at", "2024-05-02 10:15")[1] == "recorded: contact; the referral is now no contact\n"  # fmt: skip
    assert referrals(capsys, db, "opt-in", full, "--channel", "online", "--at", "2024-05-03 18:40")[1] == (
        "recorded: opt-in; the referral is now contacted\n")  # fmt: skip
    screen_and_decide(db, template.key, full)
    code, out, _ = referrals(capsys, db, "letters-not-sent")
    assert code == 0 and full in out and "days without a GP letter" in out
    code, out, _ = referrals(capsys, db, "letters-not-sent", "--format", "json")
    assert [row["referral_id"] for row in json.loads(out)] == [full]
    assert referrals(capsys, db, "treatment", full, "--started-on", "2024-05-29") == (
        0,
        "recorded: treatment start\n",
        "",
    )
    assert referrals(capsys, db, "close", full, "--reason", "treatment_started") == (
        0,
        "closed: treatment started\n",
        "",
    )
    record = show(capsys, db, full)
    assert [s["status"] for s in record["status_history"]] == ["received", "no_contact", "contacted", "screened",
                                                                "decided", "closed"]  # fmt: skip
    journey = record["journey"]
    assert [(c["kind"], c["channel"], c["outcome"]) for c in journey["contacts"]] == [
        ("opt_in_offered", "letter", None),
        ("attempt", "telephone", "no_answer"),
        ("opted_in", "online", None),
    ]
    assert (journey["opted_in_on"], journey["days_to_treatment"], journey["closed_reason"]) == (
        "2024-05-03",
        28,
        "treatment_started",
    )
    flags = {f["code"]: f["state"] for f in journey["flags"]}
    assert flags["treatment_28_days"] == "over" and flags["national_6_weeks"] == "within"  # day 28: over
    code, text, _ = referrals(capsys, db, "show", full)
    assert "Journey and waits" in text and "    - 01/05/2024 09:00 Opt-in offered by letter" in text.replace("\r", "")
    assert "  Closed because: Treatment started" in text

    # received -> no contact -> closed (discharge), with a note kept out of the audit trail
    referrals(capsys, db, "contact", unreached, "--channel", "telephone", "--outcome", "wrong_number", "--at", "2024-05-02 11:00")  # fmt: skip
    assert (
        referrals(capsys, db, "close", unreached, "--reason", "no_contact", "--note", "letter returned, GP told")[0]
        == 0
    )
    assert [s["status"] for s in show(capsys, db, unreached)["status_history"]] == ["received", "no_contact", "closed"]
    # received -> closed
    assert referrals(capsys, db, "close", declined, "--reason", "declined")[0] == 0
    assert show(capsys, db, declined)["referral"]["status"] == "closed"
    assert not any("letter returned" in summary for _, _, summary in audit_trail(db, template.key))
    assert referrals(capsys, db, "letters-not-sent") == (0, "every decided referral's GP letter has been printed or saved\n", "")  # fmt: skip


def test_refused_steps_from_the_command_line_change_nothing(tmp_path, capsys, monkeypatch, new_store, template) -> None:  # type: ignore[no-untyped-def]
    db = new_store(tmp_path / "t.db")
    (referral_id,) = imported(tmp_path, capsys, db, template.key, 1)
    closed_note = (
        "the referral is closed: nothing more can be recorded on it (a person who comes back is a new referral)"
    )
    cases = [
        (PWP, ["treatment", referral_id, "--started-on", "2024-05-09"], 1,
         "error: started_on: treatment can be recorded only once the referral is decided\n"),
        (PWP, ["close", referral_id, "--reason", "other"], 2,
         "error: note: required when the reason is other (say why the referral is closed)\n"),
        (PWP, ["contact", referral_id, "--channel", "telephone", "--outcome", "reached", "--at", "yesterday"], 2,
         "error: at: must be a date and time as YYYY-MM-DD HH:MM\n"),
        (PWP, ["contact", referral_id, "--channel", "telephone", "--outcome", "reached", "--at", "2024-04-30 10:00"], 1,
         "error: occurred_at: must not be before the date the referral was received\n"),
        (PWP, ["close", referral_id, "--reason", "referred_on"], 1, "error: reason: referred on needs a decision first\n"),
        (ADMIN, ["close", referral_id, "--reason", "declined"], 1, refused("close referral")),
        (ADMIN, ["contact", referral_id, "--channel", "telephone", "--outcome", "reached"], 1, refused("record contact")),
        (ADMIN, ["letters-not-sent"], 1, refused("search")),
    ]  # fmt: skip
    for user, command, exit_code, message in cases:
        rows = referral_rows(db, template.key)
        code, out, err = run_as(monkeypatch, capsys, user, "--database", db, "referrals", *command)
        assert (code, out, err) == (exit_code, "", message), command
        assert referral_rows(db, template.key) == rows
    assert run_as(monkeypatch, capsys, LEAD, "--database", db, "referrals", "close", referral_id, "--reason", "duplicate")[0] == 0  # fmt: skip
    rows = referral_rows(db, template.key)
    for command in (["close", referral_id, "--reason", "declined"],
                    ["contact", referral_id, "--channel", "letter", "--outcome", "message_sent"],
                    ["opt-in", referral_id, "--channel", "online"]):  # fmt: skip
        assert referrals(capsys, db, *command) == (1, "", f"error: {closed_note}\n"), command
        assert referral_rows(db, template.key) == rows


def test_a_referral_is_flagged_inappropriate_from_the_command_line(
    tmp_path, capsys, monkeypatch, new_store, template
) -> None:  # type: ignore[no-untyped-def]
    db = new_store(tmp_path / "t.db")
    (referral_id,) = imported(tmp_path, capsys, db, template.key, 1)
    rows = referral_rows(db, template.key)
    cases = [
        (PWP, ["inappropriate", referral_id], 2, "error: reason: required (one of substance_dependency, "
         "needs_secondary_care, outside_remit, not_consented, missing_information, other), or --clear\n"),
        (PWP, ["inappropriate", referral_id, "--reason", "outside_remit"], 2, "error: referrer: required; say who made the referral (the GP, practice or partner to feed back to)\n"),
        (PWP, ["inappropriate", referral_id, "--reason", "other", "--referrer", "Dr A Patel"], 2,
         "error: note: required when the reason is other (say why the referral was inappropriate)\n"),
        (PWP, ["inappropriate", referral_id, "--clear", "--reason", "other"], 2,
         "error: clear: takes the flag off; give it without --reason, --referrer or --note\n"),
        (PWP, ["inappropriate", referral_id, "--clear"], 1,
         "error: the referral is not flagged as inappropriate: there is no flag to take off\n"),
        (ADMIN, ["inappropriate", referral_id, "--reason", "outside_remit", "--referrer", "Dr A Patel"], 1,
         refused("create referral")),
    ]  # fmt: skip
    for user, command, exit_code, message in cases:
        code, out, err = run_as(monkeypatch, capsys, user, "--database", db, "referrals", *command)
        assert (code, out, err) == (exit_code, "", message), command
        assert referral_rows(db, template.key) == rows

    def as_pwp(*command: str) -> tuple[int, str, str]:
        return run_as(monkeypatch, capsys, PWP, "--database", db, "referrals", *command)  # type: ignore[no-any-return]

    def shown() -> dict[str, Any]:
        return json.loads(as_pwp("show", referral_id, "--format", "json")[1])  # type: ignore[no-any-return]

    assert as_pwp("inappropriate", referral_id, "--reason", "substance_dependency", "--referrer",
                     "Jobcentre Plus", "--note", "alcohol") == (
        0, "flagged as inappropriate: substance dependency\n", "")  # fmt: skip
    assert shown()["journey"]["inappropriate"] == {
        "reason": "substance_dependency", "referrer": "Jobcentre Plus", "note": "alcohol", "flagged_by": PWP}  # fmt: skip
    code, text, _ = as_pwp("show", referral_id)
    assert code == 0 and "Inappropriate referral: Drug or alcohol dependency (for substance misuse services)" in text
    assert as_pwp("inappropriate", referral_id, "--clear") == (0, "inappropriate flag taken off\n", "")
    assert shown()["journey"]["inappropriate"] is None


def test_the_commands_offer_the_stores_vocabularies() -> None:
    from triage.cli import journey
    from triage.store import vocabulary

    assert journey.CONTACT_CHANNELS == vocabulary.CONTACT_CHANNELS
    assert journey.CONTACT_OUTCOMES == vocabulary.CONTACT_OUTCOMES
    assert journey.CLOSE_REASONS == vocabulary.CLOSE_REASONS
    assert journey.INAPPROPRIATE_REASONS == vocabulary.INAPPROPRIATE_REASONS
