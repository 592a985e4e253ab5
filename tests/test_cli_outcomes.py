"""``triage referrals show`` for a referral whose outcome is not a route (issue 15, item 2): the outcome
by its ruleset label, and the criterion that applied, in text and in JSON."""

from __future__ import annotations

import json

from tests.test_cli_store import (
    LEAD,
    PWP,
    ROW,
    environment,
    new_store,
    opened,
    referral_rows,
    rows_file,
    run,
    run_as,
    template,
)
from triage.services import DecisionInput, ScreeningInput, confirm_decision, save_screening
from triage.services.permissions import User

__all__ = ["environment", "new_store", "template"]  # the fixtures (environment autouse), used by name


def test_referrals_show_gives_a_not_suitable_outcome_and_its_criterion(
    tmp_path, capsys, monkeypatch, new_store, template
):  # type: ignore[no-untyped-def]
    db = new_store(tmp_path / "t.db")
    assert run(capsys, "--database", db, "referrals", "import", rows_file(tmp_path, [ROW]))[0] == 0
    (referral_id,) = [str(row[0]) for row in referral_rows(db, template.key)]
    answers = {"phq9": (1, 2, 1, 0, 1, 2, 1, 0, 0), "gad7": (2, 1, 1, 0, 1, 2, 1), "chronicity": "medium",
               "complexity": "low", "impairment": "medium", "substance_use": "high", "risk": "low"}  # fmt: skip
    pwp = User(PWP, PWP, "pwp")
    with opened(db, template.key) as store:
        save_screening(store, pwp, referral_id, ScreeningInput.model_validate(answers))
        confirm_decision(store, pwp, referral_id, DecisionInput(
            confirmed_route="not_suitable", outcome_criterion="substance_primary",
            override_reason="Alcohol is the main problem"))  # fmt: skip
    code, out, err = run_as(monkeypatch, capsys, LEAD, "--database", db, "referrals", "show", referral_id)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert "  Current route: Not suitable for the service: refer back to the GP" in lines
    assert "  Chosen: Not suitable for the service: refer back to the GP (an override of the recommendation)" in lines
    assert "  Criterion: Substance dependency is the main problem" in lines
    code, out, err = run(capsys, "referrals", "show", referral_id, "--format", "json", "--database", db)
    assert code == 0
    decision = json.loads(out)["decision"]
    assert (decision["confirmed_route"], decision["outcome_criterion"]) == ("not_suitable", "substance_primary")
