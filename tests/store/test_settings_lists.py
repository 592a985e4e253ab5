"""The service's own wait targets and lists of conditions (issue 15, items 3 and 7), below the screen:
checked whole by the settings model (each problem named by its field, with what is allowed), kept in
the store and audited by field name only (on SQLite and PostgreSQL); a local target's code; and the
screening form offering the service's lists, with what an older screening or draft holds still shown
and still valid after the list changed."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tests.store.test_journey import ANSWERS
from tests.store.test_screening_session import matrix_answers
from tests.store.test_service_settings import ADMIN, trail
from tests.users import PWP
from triage.rules.conditions import shipped_condition_lists
from triage.rules.ruleset import default_ruleset
from triage.rules.waits import default_wait_targets
from triage.services import create_referral, get_referral
from triage.services.inputs import InvalidInput, ScreeningInput
from triage.services.screening_session import ScreeningSession
from triage.services.screenings import save_screening, screening_input
from triage.services.service_settings import save_service_settings, service_settings
from triage.services.settings_lists import local_target, offered_lists, relabelled, service_condition_lists, target_code
from triage.settings import MAX_CONDITIONS, ServiceSettings, problems_of
from triage.store import Store

SHIPPED = ServiceSettings()


def problems(**fields: object) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        ServiceSettings.model_validate(fields)
    return problems_of(caught.value)


def test_the_shipped_lists_are_the_defaults_and_hold_the_full_list_of_requirements_3_2() -> None:
    shipped = shipped_condition_lists()
    assert (SHIPPED.long_term_conditions, SHIPPED.medically_unexplained_symptoms) == (
        shipped.long_term_conditions, shipped.medically_unexplained_symptoms)  # fmt: skip
    ltc = " ".join(shipped.long_term_conditions)
    mus = " ".join(shipped.medically_unexplained_symptoms)
    for named in ("Diabetes", "COPD", "CHD", "Musculoskeletal", "chronic pain", "Cancer", "dermatology", "Stroke",
                  "Asthma", "Hypertension", "Heart failure", "Pre-diabetes", "Obesity", "LTNC", "Dementia"):  # fmt: skip
        assert named in ltc, named
    for named in ("IBS", "CFS/ME", "Chronic pain", "not otherwise specified", "Fibromyalgia", "Health anxiety"):
        assert named in mus, named
    assert "requirements.md section 3.2" in shipped.source


def test_each_list_is_checked_by_field_with_what_is_allowed() -> None:
    assert problems(long_term_conditions=["Asthma", "asthma "]) == [
        "long_term_conditions: each entry once; repeated: asthma"
    ]
    assert problems(medically_unexplained_symptoms=[]) == [
        "medically_unexplained_symptoms: at least one entry (the form also offers None and a line for others)"
    ]
    assert problems(long_term_conditions=["x" * 121]) == [
        "long_term_conditions[0]: String should have at most 120 characters"
    ]
    assert problems(long_term_conditions=["Asthma", " "]) == [
        "long_term_conditions[1]: String should have at least 1 character"
    ]
    assert problems(long_term_conditions=[f"Condition {n}" for n in range(MAX_CONDITIONS + 1)]) == [
        f"long_term_conditions: at most {MAX_CONDITIONS} entries, not {MAX_CONDITIONS + 1}"
    ]
    assert problems(long_term_conditions=["Asthma\tCOPD"])[0].startswith(
        "long_term_conditions[0]: Value error, must not contain control or invisible formatting characters"
    )


def test_a_wait_target_is_checked_by_field_with_what_is_allowed() -> None:
    data = default_wait_targets().model_dump(mode="json")
    data["targets"][0]["days"] = 731
    data["targets"][1]["source"] = ""
    data["targets"].append({**data["targets"][2]})  # the same code twice
    assert problems(wait_targets=data) == [
        "wait_targets.targets[0].days: Input should be less than or equal to 730",
        "wait_targets.targets[1].source: String should have at least 1 character",
    ]
    data = default_wait_targets().model_dump(mode="json")
    data["targets"].append({**data["targets"][2]})
    assert problems(wait_targets=data) == [
        "wait_targets: Value error, targets: each code once (repeated: national_6_weeks)"
    ]


def test_the_lists_and_targets_are_kept_in_the_store_audited_by_field_name_only(store: Store) -> None:
    own_target = local_target({t.code for t in SHIPPED.wait_targets.targets}, label="Referral to first contact "
                              "within 5 days", measure="first_contact", days=5, within="at_most", clock="received",
                              source="Service specification 2026")  # fmt: skip
    wanted = SHIPPED.model_copy(update={
        "long_term_conditions": (*SHIPPED.long_term_conditions, "Coeliac disease"),
        "medically_unexplained_symptoms": ("Functional neurological disorder",),
        "wait_targets": SHIPPED.wait_targets.model_copy(update={
            "opt_in_clock": True, "targets": (*SHIPPED.wait_targets.targets, own_target)})})  # fmt: skip
    saved = save_service_settings(store, ADMIN, ServiceSettings.model_validate(wanted.model_dump()))
    assert saved == ["wait_targets", "long_term_conditions", "medically_unexplained_symptoms"]
    assert service_settings(store) == wanted
    assert trail(store)[-1] == (ADMIN.username, "update",
                                "changed: long_term_conditions, medically_unexplained_symptoms, wait_targets")  # fmt: skip
    assert "Coeliac" not in str(trail(store)) and "Service specification" not in str(trail(store))
    stored = service_settings(store).wait_targets.targets[-1]
    assert (stored.code, stored.verified, stored.source) == ("local_referral_to_first_contact", False,
                                                             "Service specification 2026")  # fmt: skip


def test_a_local_target_needs_a_source_and_gets_a_code_of_its_own() -> None:
    with pytest.raises(InvalidInput) as caught:
        local_target(set(), label="", measure="screening", days=0, within="at_most", clock="received", source=" ")
    assert caught.value.problems == [
        "new target, label: String should have at least 1 character",
        "new target, days: Input should be greater than or equal to 1",
        "new target, source: String should have at least 1 character",
    ]
    assert target_code("Referral to first contact within 5 days", set()) == "local_referral_to_first_contact"
    assert target_code("Referral to first contact", {"local_referral_to_first_contact"}) == (
        "local_referral_to_first_contact_2")  # fmt: skip
    assert target_code("—", set()) == "local_target"
    assert relabelled("Referral to assessment within 3 days", 3, 1) == "Referral to assessment within 1 day"
    assert relabelled("Referral to treatment within 6 weeks", 42, 40) == "Referral to treatment within 6 weeks"
    assert relabelled("Referral to assessment within 3 days", 3, 0) == "Referral to assessment within 3 days"


def test_the_form_offers_the_services_lists_and_accepts_a_kind_on_them_only() -> None:
    own = SHIPPED.model_copy(update={"long_term_conditions": ("Coeliac disease",),
                                     "medically_unexplained_symptoms": ("Functional neurological disorder",)})  # fmt: skip
    lists = service_condition_lists(own)
    assert lists.long_term_conditions == ("Coeliac disease",)
    assert lists.source.startswith("the service's own lists (Settings)")
    assert service_condition_lists(SHIPPED).source == shipped_condition_lists().source
    session = ScreeningSession(default_ruleset())
    session.offer(lists)
    matrix_answers(session)
    session.set_problem_descriptor("depression")
    session.set_long_term_conditions([])
    session.set_mus_kinds(["Functional neurological disorder"])
    assert session.screening_input().mus_kinds == ("Functional neurological disorder",)
    session.set_mus_kinds([shipped_condition_lists().medically_unexplained_symptoms[0]])  # not on the service's list
    with pytest.raises(InvalidInput, match=r"mus_kinds\.0: must be one of the kinds .* on the service's list"):
        session.screening_input()


def test_a_kind_a_draft_holds_stays_offered_after_the_list_dropped_it() -> None:
    shipped = shipped_condition_lists()
    kind = shipped.medically_unexplained_symptoms[0]
    session = ScreeningSession(default_ruleset())
    matrix_answers(session)
    session.set_problem_descriptor("depression")
    session.set_long_term_conditions([])
    session.set_mus_kinds([kind])
    resumed = ScreeningSession.from_draft(default_ruleset(), session.draft())
    resumed.offer(shipped.model_copy(update={"medically_unexplained_symptoms": ("Functional neurological disorder",)}))
    assert resumed.conditions.medically_unexplained_symptoms == ("Functional neurological disorder", kind)
    assert resumed.screening_input().mus_kinds == (kind,)  # never silently lost, still valid
    assert offered_lists(shipped, None) is shipped


def test_an_old_screening_reads_back_as_stored_after_the_lists_changed(store: Store) -> None:
    from tests.store.conftest import referral_input

    referral_id = create_referral(store, PWP, referral_input(3)).id
    kind = shipped_condition_lists().medically_unexplained_symptoms[1]
    answers = {**ANSWERS, "long_term_conditions": ("Stroke",), "medically_unexplained_symptoms": True,
               "mus_kinds": (kind,)}  # fmt: skip
    save_screening(store, PWP, referral_id, ScreeningInput.model_validate(answers))
    save_service_settings(store, ADMIN, SHIPPED.model_copy(update={
        "long_term_conditions": ("Diabetes (type 1 or 2)",), "medically_unexplained_symptoms": ("Fibromyalgia",)}))  # fmt: skip
    read = screening_input(get_referral(store, PWP, referral_id).screenings[-1])
    assert (read.long_term_conditions, read.mus_kinds) == (("Stroke",), (kind,))
