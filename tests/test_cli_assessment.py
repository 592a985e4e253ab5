"""``triage referrals show`` prints the assessment's content (issue 15, item 7) as text and as JSON."""

from __future__ import annotations

import json

from tests.store.test_form_to_store import FULL_FORM, REASON
from tests.test_cli_store import (  # noqa: F401  (the fixtures, used by name)
    LEAD,
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


def test_referrals_show_prints_the_assessment_as_text_and_json(
    tmp_path,
    capsys,
    monkeypatch,
    new_store,  # noqa: F811 - the fixture imported above
    template,  # noqa: F811 - the fixture imported above
) -> None:  # type: ignore[no-untyped-def]
    from triage.services import DecisionInput, complete_screening
    from triage.services.permissions import User

    db = new_store(tmp_path / "t.db")
    assert run(capsys, "--database", db, "referrals", "import", rows_file(tmp_path, [ROW]))[0] == 0
    (referral_id,) = [row[0] for row in referral_rows(db, template.key)]
    with opened(db, template.key) as store:
        complete_screening(store, User(LEAD, LEAD, "team_leader"), referral_id, FULL_FORM.to_input(),
                           DecisionInput(confirmed_route="crisis_team", override_reason=REASON,
                                         warnings_acknowledged=True))  # fmt: skip
    code, out, err = run_as(monkeypatch, capsys, LEAD, "--database", db, "referrals", "show", str(referral_id))
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert "Assessment" in lines
    for line in ("  Protective factors rated: Some", "  Secondary problems: Post-traumatic stress disorder (PTSD); "
                 "Social anxiety", "  Discuss in supervision: Yes", "  Interpreter at the screening: Polish",
                 "  Advocate needed: Yes", "  Format of information: Large print", "  No registered GP: Yes",
                 "  No fixed address: Yes", "  Employment status: Employed, off sick", "  Receiving benefits: No",
                 "  Statutory sick pay: Yes", "  Employment support: Offered, accepted",
                 "  Debt, housing, relationship or carer concerns: Debt; Carer involvement (with the patient's consent)",
                 "  Patient's goals: Back to work by spring", "  Options offered: Guided self-help; CBT",
                 "  Patient's preferred option: CBT", "  Preferred way of working: One-to-one; Telephone",
                 "  Preferred location: GP practice", "  Contact times: Mornings before 10"):  # fmt: skip
        assert line in lines, line
    code, out, err = run_as(monkeypatch, capsys, LEAD, "--database", db, "referrals", "show", str(referral_id),
                            "--format", "json")  # fmt: skip
    assert (code, err) == (0, "")
    screening = json.loads(out)["screening"]
    assert screening["assessment"] == FULL_FORM.assessment
    assert screening["secondary_descriptors"] == ["ptsd", "social_anxiety"]
    assert screening["discuss_in_supervision"] is True and screening["risk_details"]["protective_level"] == "some"
