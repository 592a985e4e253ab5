"""Every permission in the table, both ways, through the services (issue 6).

Each case calls one service as each role on its own encrypted store holding a small world (a new
referral, one with a draft, one screened, one decided by someone else with its GP letter built). A
role the table allows gets the service's work done; any other role gets ``PermissionDenied`` and the
store is exactly as it was, but for the one audited refusal. A structural test then makes sure no
service that takes a ``User`` is left out, and no action of the table goes untested.
"""

from __future__ import annotations

import inspect
import io
import json
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

import triage.services as services_package
from tests.store.conftest import make_nhs_number, referral_input
from tests.users import CHEAP_KDF
from triage.rules.ruleset import default_ruleset_path
from triage.services import (
    DecisionInput,
    GpPracticeInput,
    ReferralFilter,
    ReferralUpdate,
    ScreeningInput,
    change_status,
    complete_screening,
    confirm_decision,
    count_referrals,
    create_referral,
    decided_referral,
    delete_referral,
    discard_draft,
    find_referrals,
    get_referral,
    identical_letters_sent,
    import_batch,
    import_referrals,
    letter_for_decision,
    letters_sent,
    list_drafts,
    load_draft,
    person_history,
    recommend,
    record_letter,
    referral_page,
    referral_record,
    replay_decision,
    save_draft,
    save_gp_practice,
    save_screening,
    update_referral,
)
from triage.services.audit_trail import audit_events, export_audit_csv
from triage.services.corrections import CorrectionInput, correct_identity
from triage.services.decisions import check_rescreen
from triage.services.directory import import_practices_csv
from triage.services.journey import (
    CloseInput,
    ContactInput,
    InappropriateInput,
    TreatmentInput,
    close_referral,
    flag_inappropriate,
    letters_not_sent,
    record_contact,
    record_treatment_start,
)
from triage.services.letter_addressee import address_gp_letter, letter_addressing
from triage.services.letters import letter_signer
from triage.services.login import open_authenticated
from triage.services.maintenance import back_up, restore, signing_summary, verify_store
from triage.services.meeting_people import meeting_accounts
from triage.services.meeting_queue import (
    meeting_queue,
    move_in_queue,
    send_to_meeting,
    set_supervisor,
    supervision_queue,
)
from triage.services.meetings import (
    MeetingInput,
    ask_for_information,
    attended_meetings,
    close_meeting,
    decide_in_meeting,
    defer_case,
    meeting_case_record,
    meeting_cases,
    meeting_info,
    minutes_pdf,
    open_meeting,
    open_meetings,
    require_presenter,
    reveal_name,
)
from triage.services.merges import MergeInput, UndoMergeInput, merge_people, merge_preview, undo_merge
from triage.services.permissions import ACTIONS, PERMISSIONS, Action, PermissionDenied, User
from triage.services.references import set_reference_prefix
from triage.services.reports import ReportRange, report_teams, run_report
from triage.services.service_settings import read_ruleset_file, save_computer_settings, save_service_settings
from triage.services.settings_import import Difference, ImportOffer, answer_import_offer, import_settings_document
from triage.services.store_setup import initialise_store
from triage.services.teams import (
    assign_clinician,
    clinician_choices,
    list_teams,
    set_referral_team,
    set_team_and_clinician,
    team_choices,
)
from triage.services.transfer import export_records, export_to_file, export_to_stream, import_file, import_stream
from triage.services.users import (
    add_user,
    admin_fingerprint,
    list_users,
    remove_user,
    reset_password,
    set_role,
    unlock_account,
)
from triage.settings import ComputerSettings, ServiceSettings
from triage.store import NotFoundError, RefusedError, Store
from triage.store.keys import key_file_path
from triage.store.models import Base
from triage.store.vocabulary import ROLES

PASSWORD = "a long enough password"
ANSWERS = {
    "phq9": (1, 2, 1, 1, 1, 1, 1, 1, 0),
    "gad7": (1, 1, 1, 1, 1, 1, 0),
    "chronicity": "low",
    "complexity": "low",
    "impairment": "low",
    "substance_use": "low",
    "risk": "low",
    "problem_descriptor": "depression",
}  # fmt: skip  (an IAPT route needs the main problem: HAZ-025)
PRACTICE = GpPracticeInput(code="C84001", name="Example Surgery", address="1 Example Road\nDoncaster\nDN1 1AA",
                           gp_names=("Dr A Example",))  # fmt: skip
SHIPPED = read_ruleset_file(default_ruleset_path())  # the shipped file's text, as a service's own would be kept
PEOPLE = {"pwp": "pwp.one", "team_leader": "leader.one", "admin": "admin", "service_manager": "manager.one"}


@pytest.fixture(autouse=True)
def fast_kdf(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr("triage.store.keys.KDF_PARAMS", CHEAP_KDF)
    monkeypatch.setenv("TRIAGE_SETTINGS", str(tmp_path / "settings.json"))


@dataclass
class World:
    store: Store
    path: Path
    users: dict[str, User]  # by role
    new: str  # a referral just received
    drafted: str  # a referral with a draft saved by the PWP
    screened: str  # a referral screened by the PWP, not yet decided
    decided: str  # a referral screened and decided by someone else ("author")
    decision: str
    person: str
    letter: Any  # the GP letter of the decision, built
    recommended: DecisionInput  # the recommendation for the screened referral, confirmed as it is
    signers: dict[str, Any]  # each user's audit-signing key, from their own login: whoever acts signs

    def acting(self, user: User) -> User:
        """One store serves every user here: its events are signed by whoever acts, as in their own session."""
        self.store.signer = self.signers[user.username]
        return user


def make_world(folder: Path, database: str | None = None) -> World:
    """The world in a new encrypted SQLite store in ``folder``, or on the PostgreSQL ``database``
    (``folder`` then holds the files the services write: backups, exports, settings)."""
    path = folder / "triage.db"
    initialise_store(database or path, "admin", "Admin", PASSWORD)
    store, admin = open_authenticated(database or path, "admin", PASSWORD, sleep=lambda _s: None)
    people = {"admin": admin}
    for role in ("pwp", "team_leader", "service_manager"):
        people[role] = add_user(store, admin, PEOPLE[role], PEOPLE[role], role, PASSWORD)
    author = add_user(store, admin, "author", "Ann Author", "pwp", PASSWORD)
    signers = {admin.username: store.signer}
    for name in (PEOPLE["pwp"], PEOPLE["team_leader"], PEOPLE["service_manager"], "author"):
        own, _ = open_authenticated(database or path, name, PASSWORD, sleep=lambda _s: None)
        signers[name] = own.signer
        own.close()
    pwp = people["pwp"]
    save_gp_practice(store, admin, PRACTICE)
    store.signer = signers[pwp.username]
    ids = [create_referral(store, pwp, referral_input(n, gp_practice_code="C84001")).id for n in range(1, 5)]
    save_draft(store, pwp, ids[1], {"phq9": [1]}, section="phq9")
    save_screening(store, pwp, ids[2], ScreeningInput.model_validate(ANSWERS))
    routing = recommend(store, pwp, ids[2])
    store.signer = signers[author.username]
    _, decision = complete_screening(store, author, ids[3], ScreeningInput.model_validate(ANSWERS),
                                     DecisionInput(confirmed_route=routing.route, confirmed_step=routing.step))  # fmt: skip
    letter = letter_for_decision(store, author, decision, "gp", screener=letter_signer(author), service=None,
                                 letter_date=date(2025, 3, 3))  # fmt: skip
    store.signer = signers[pwp.username]
    person = get_referral(store, pwp, ids[0]).person_id
    store.signer = signers[admin.username]
    recommended = DecisionInput(confirmed_route=routing.route, confirmed_step=routing.step)
    return World(store, path, people, ids[0], ids[1], ids[2], ids[3], decision, person, letter, recommended, signers)


IMPORT_ROW = {"nhs_number": make_nhs_number(12), "given_name": "A", "family_name": "B", "date_of_birth": "1980-01-01",
              "received_on": "2024-05-01", "source": "self"}  # fmt: skip
# Services that act on the caller's own session or password: no permission to check, by design.
SELF_SERVICE = {"change_password", "lock_session", "unlock_session", "logout", "verify_password"}
AT_CLOSE = {"at_close", "scheduled_back_up"}  # the admin's backup schedule, run by whoever closes (issue 13.11)
# Asked at every login: for anyone but an admin there is simply no offer (tests/store/test_service_settings.py).
AT_LOGIN = {"import_offer"}
# A scope check the meeting services run after their own permission check: not a service of its own.
SCOPE_CHECKS = {"require_meeting_scope"}


Call = Callable[[World, User], Any]
# (the permission that decides, what is called, the error an allowed call still ends with)
CASES: list[tuple[Action, str, Call, type[Exception] | None]] = [
    ("screen", "save_draft", lambda w, u: save_draft(w.store, u, w.new, {"phq9": [2]}), None),
    ("screen", "load_draft", lambda w, u: load_draft(w.store, u, w.drafted), None),
    ("screen", "list_drafts", lambda w, u: list_drafts(w.store, u, only_mine=False), None),
    ("screen", "discard_draft", lambda w, u: discard_draft(w.store, u, w.drafted), None),
    ("screen", "save_screening", lambda w, u: save_screening(w.store, u, w.new, ScreeningInput.model_validate(ANSWERS)), None),
    ("decide", "confirm_decision", lambda w, u: confirm_decision(w.store, u, w.screened, w.recommended), None),
    ("decide", "complete_screening", lambda w, u: complete_screening(
        w.store, u, w.new, ScreeningInput.model_validate(ANSWERS), DecisionInput(confirmed_route="core_iapt",
        confirmed_step=2)), None),
    ("confirm_in_meeting", "confirm_decision(in_meeting)", lambda w, u: confirm_decision(
        w.store, u, w.screened, w.recommended, in_meeting=True), None),
    ("confirm_in_meeting", "complete_screening(in_meeting)", lambda w, u: complete_screening(
        w.store, u, w.screened, ScreeningInput.model_validate(ANSWERS), w.recommended, in_meeting=True), None),
    ("override_any", "confirm_decision(someone else's)", lambda w, u: confirm_decision(
        w.store, u, w.decided, DecisionInput(confirmed_route="cmht", override_reason="agreed at the meeting")), None),
    ("override_any", "complete_screening(someone else's)", lambda w, u: complete_screening(
        w.store, u, w.decided, ScreeningInput.model_validate(ANSWERS), w.recommended), None),
    ("decide", "check_rescreen", lambda w, u: check_rescreen(w.store, u, w.screened), None),
    ("override_any", "check_rescreen(someone else's)", lambda w, u: check_rescreen(w.store, u, w.decided), None),
    ("view_referral", "get_referral", lambda w, u: get_referral(w.store, u, w.new), None),
    ("view_referral", "person_history", lambda w, u: person_history(w.store, u, w.person), None),
    ("view_referral", "referral_record", lambda w, u: referral_record(w.store, u, w.decided), None),
    ("view_referral", "recommend", lambda w, u: recommend(w.store, u, w.screened), None),
    ("view_referral", "replay_decision", lambda w, u: replay_decision(w.store, u, w.decision), None),
    ("view_referral", "decided_referral", lambda w, u: decided_referral(w.store, u, w.decided), None),
    ("view_referral", "letter_for_decision", lambda w, u: letter_for_decision(
        w.store, u, w.decision, "patient", screener=letter_signer(w.users["pwp"]), service=None,
        letter_date=date(2025, 3, 3)), None),
    ("view_referral", "letters_sent", lambda w, u: letters_sent(w.store, u, w.decision), None),
    ("view_referral", "identical_letters_sent", lambda w, u: identical_letters_sent(w.store, u, w.decision, w.letter), None),
    ("view_referral", "record_letter(generated)", lambda w, u: record_letter(w.store, u, w.decision, w.letter, "generated"), None),
    ("view_referral", "letter_addressing", lambda w, u: letter_addressing(w.store, u, w.decided), None),
    ("print_letter", "address_gp_letter", lambda w, u: address_gp_letter(w.store, u, w.decided, "Dr A Example"), None),
    ("print_letter", "record_letter(printed)", lambda w, u: record_letter(w.store, u, w.decision, w.letter, "printed"), None),
    ("record_contact", "record_contact", lambda w, u: record_contact(w.store, u, w.new, ContactInput(
        kind="attempt", occurred_at=datetime(2024, 5, 2, 9, 0), channel="telephone", outcome="reached")), None),
    ("record_contact", "record_treatment_start", lambda w, u: record_treatment_start(
        w.store, u, w.decided, TreatmentInput(started_on=date(2024, 5, 20))), None),
    ("close_referral", "close_referral", lambda w, u: close_referral(w.store, u, w.new, CloseInput(reason="declined")), None),
    ("create_referral", "flag_inappropriate", lambda w, u: flag_inappropriate(w.store, u, w.new, InappropriateInput(
        reason="outside_remit", referrer="Dr A Example")), None),
    ("search", "letters_not_sent", lambda w, u: letters_not_sent(w.store, u), None),
    ("run_reports", "run_report", lambda w, u: run_report(w.store, u, "waits", ReportRange(date(2024, 1, 1), date(2024, 12, 31))), None),
    ("run_reports", "report_teams", lambda w, u: report_teams(w.store, u), None),
    ("create_referral", "create_referral", lambda w, u: create_referral(w.store, u, referral_input(9)), None),
    ("create_referral", "update_referral", lambda w, u: update_referral(w.store, u, w.new, 1, ReferralUpdate(phone="07700900123")), None),
    ("create_referral", "change_status", lambda w, u: change_status(w.store, u, w.new, "contacted"), None),
    ("create_referral", "correct_identity", lambda w, u: correct_identity(w.store, u, w.new, 1, CorrectionInput(
        family_name="Corrected", reason_category="typing_error", reason="Misspelt when the referral was typed")), None),
    ("create_referral", "delete_referral", lambda w, u: delete_referral(w.store, u, w.new), RefusedError),
    ("search", "find_referrals", lambda w, u: find_referrals(w.store, u, family_name_prefix="Test"), None),
    ("search", "referral_page", lambda w, u: referral_page(w.store, u, ReferralFilter()), None),
    ("search", "count_referrals", lambda w, u: count_referrals(w.store, u, ReferralFilter()), None),
    ("import", "import_referrals", lambda w, u: import_referrals(w.store, u, [referral_input(10)]), None),
    ("import", "import_batch", lambda w, u: import_batch(w.store, u, [(1, referral_input(11))]), None),
    ("import", "import_file", lambda w, u: import_file(w.store, u, json.dumps([IMPORT_ROW]).encode()), None),
    ("import", "import_stream", lambda w, u: import_stream(w.store, u, io.BytesIO(json.dumps([IMPORT_ROW]).encode())), None),
    ("export", "export_records", lambda w, u: list(export_records(w.store, u)), None),
    ("export", "export_to_stream", lambda w, u: export_to_stream(w.store, u, io.StringIO(), "json"), None),
    ("export", "export_to_file", lambda w, u: export_to_file(w.store, u, w.path.with_name("out.csv"), "csv"), None),
    ("settings", "save_gp_practice", lambda w, u: save_gp_practice(w.store, u, PRACTICE.model_copy(update={"name": "New"})), None),
    ("settings", "import_practices_csv", lambda w, u: import_practices_csv(w.store, u, _practices_csv(w)), None),
    ("settings", "set_reference_prefix", lambda w, u: set_reference_prefix(w.store, u, "TWO"), None),
    ("settings", "save_service_settings", lambda w, u: save_service_settings(w.store, u, ServiceSettings(phone="01302 000 000")), None),
    ("settings", "save_computer_settings", lambda w, u: save_computer_settings(
        w.store, u, ComputerSettings(service_values_offered=("another",))), None),
    ("settings", "answer_import_offer", lambda w, u: answer_import_offer(w.store, u, ImportOffer(
        "this store", ServiceSettings(phone="01302 000 000"), None, (Difference("phone", "Service phone", "01302 000 000",
                                                                                "(none)", True),)), ["phone"]), None),
    ("settings", "import_settings_document", lambda w, u: import_settings_document(
        w.store, u, {"phone": "01302 000 000"}, w.path.parent), None),
    ("rulesets", "save_service_settings(ruleset)", lambda w, u: save_service_settings(
        w.store, u, ServiceSettings(ruleset_sha256=SHIPPED.ruleset.sha256), ruleset=SHIPPED), None),
    ("users", "add_user", lambda w, u: add_user(w.store, u, "new.one", "New One", "pwp", PASSWORD), None),
    ("users", "list_users", lambda w, u: list_users(w.store, u), None),
    ("users", "admin_fingerprint", lambda w, u: admin_fingerprint(w.store, u, "author"), None),
    ("users", "set_role", lambda w, u: set_role(w.store, u, "author", "team_leader"), None),
    ("users", "remove_user", lambda w, u: remove_user(w.store, u, "author"), None),
    ("users", "reset_password", lambda w, u: reset_password(w.store, u, "author", "another long password"), None),
    ("users", "unlock_account", lambda w, u: unlock_account(w.store, u, "author"), None),
    ("audit_view", "audit_events", lambda w, u: audit_events(w.store, u), None),
    ("audit_view", "export_audit_csv", lambda w, u: export_audit_csv(w.store, u, io.StringIO()), None),
    ("backup", "back_up", lambda w, u: back_up(w.store, u, w.path.with_name("copy.db")), None),
    ("restore", "restore", lambda w, u: restore(w.store, u, w.path.with_name("backup.db"), w.path), None),
    ("verify", "verify_store", lambda w, u: verify_store(w.store, u), None),
    ("verify", "signing_summary", lambda w, u: signing_summary(w.store, u), None),
    # the referral meeting (issue 16)
    ("send_to_meeting", "send_to_meeting", lambda w, u: send_to_meeting(w.store, u, w.screened, "Step 3 or the CMHT?"), None),
    ("run_meeting", "meeting_queue", lambda w, u: meeting_queue(w.store, u), None),
    ("run_meeting", "move_in_queue", lambda w, u: move_in_queue(w.store, u, w.new, 1), NotFoundError),
    ("supervise", "supervision_queue", lambda w, u: supervision_queue(w.store, u), None),
    ("users", "set_supervisor", lambda w, u: set_supervisor(w.store, u, "author", PEOPLE["team_leader"]), None),
    ("run_meeting", "open_meeting", lambda w, u: open_meeting(w.store, u, MeetingInput(
        held_on=date.today(), chair=PEOPLE["team_leader"])), None),
    ("run_meeting", "open_meetings", lambda w, u: open_meetings(w.store, u), None),
    # a meeting nobody opened: allowed, the call reaches the store and finds none; refused, nothing is read
    ("run_meeting", "meeting_info", lambda w, u: meeting_info(w.store, u, "no-meeting"), NotFoundError),
    ("run_meeting", "require_presenter", lambda w, u: require_presenter(w.store, u, "no-meeting"), None),
    ("run_meeting", "meeting_case_record", lambda w, u: meeting_case_record(w.store, u, "no-meeting", w.screened),
     NotFoundError),
    ("run_meeting", "reveal_name", lambda w, u: reveal_name(w.store, u, "no-meeting", w.screened), NotFoundError),
    ("run_meeting", "decide_in_meeting", lambda w, u: decide_in_meeting(w.store, u, "no-meeting", w.screened,
                                                                         w.recommended), NotFoundError),
    ("run_meeting", "defer_case", lambda w, u: defer_case(w.store, u, "no-meeting", w.screened, "later"), NotFoundError),
    ("run_meeting", "ask_for_information", lambda w, u: ask_for_information(
        w.store, u, "no-meeting", w.screened, "the letter", "Ann", date.today()), NotFoundError),
    ("run_meeting", "close_meeting", lambda w, u: close_meeting(w.store, u, "no-meeting"), NotFoundError),
    ("run_meeting", "minutes_pdf", lambda w, u: minutes_pdf(w.store, u, "no-meeting"), NotFoundError),
    ("run_meeting", "meeting_accounts", lambda w, u: meeting_accounts(w.store, u), None),
    ("run_meeting", "meeting_cases", lambda w, u: meeting_cases(w.store, u, "no-meeting"), NotFoundError),
    ("view_referral", "attended_meetings", lambda w, u: attended_meetings(w.store, u), None),
    # teams (issue 15 item 4): a referral nobody has, so an allowed call ends the same for every role
    ("users", "list_teams", lambda w, u: list_teams(w.store, u), None),
    ("create_referral", "set_referral_team", lambda w, u: set_referral_team(w.store, u, "no-referral", None),
     NotFoundError),
    ("create_referral", "assign_clinician", lambda w, u: assign_clinician(w.store, u, "no-referral", None),
     NotFoundError),
    ("create_referral", "set_team_and_clinician", lambda w, u: set_team_and_clinician(
        w.store, u, "no-referral", {"team": None}), NotFoundError),
    ("view_referral", "team_choices", lambda w, u: team_choices(w.store, u), None),
    ("view_referral", "clinician_choices", lambda w, u: clinician_choices(w.store, u), None),
    # two records of one person (issue 15 item 9): the new referral's person and the drafted one's
    ("merge_people", "merge_preview", lambda w, u: merge_preview(w.store, u, w.new, w.drafted), None),
    ("merge_people", "merge_people", lambda w, u: merge_people(w.store, u, w.new, w.drafted, 1, 1, MergeInput(
        nhs_number=make_nhs_number(1), reason_category="gp_record", reason="One person on the GP record")), None),
    ("merge_people", "undo_merge", lambda w, u: undo_merge(w.store, u, 999, UndoMergeInput(
        undo_reason="Two people after all")), NotFoundError),
]  # fmt: skip


def _practices_csv(w: World) -> Path:
    path = w.path.with_name("practices.csv")
    path.write_text("code,name,address,gp_names\nB82001,Other Surgery,2 Other Road;Doncaster,Dr B Other\n")
    return path


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> World:
    """The world made once (accounts hash their passwords slowly, by design); each test gets a copy."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("triage.store.keys.KDF_PARAMS", CHEAP_KDF)
        w = make_world(tmp_path_factory.mktemp("template"))
    w.store.close()
    return w


@pytest.fixture
def world(template: World, tmp_path: Path) -> Iterator[World]:
    for file in template.path.parent.iterdir():
        if file.is_file():  # not the store's lock folder
            shutil.copy2(file, tmp_path / file.name)
    path = tmp_path / template.path.name
    store, _admin = open_authenticated(path, "admin", PASSWORD, sleep=lambda _s: None)
    try:
        yield replace(template, store=store, path=path)
    finally:
        store.close()


def snapshot(w: World) -> dict[str, Any]:
    """Every table's rows but the audit trail's, the settings file and the key file."""
    with w.store.read() as session:
        tables = {t.name: session.execute(select(t).order_by(*t.primary_key.columns)).all()
                  for t in Base.metadata.sorted_tables if t.name not in ("audit_event", "audit_head")}  # fmt: skip
        audited = session.scalar(select(func.count()).select_from(Base.metadata.tables["audit_event"]))
    files = [w.path.with_name("settings.json"), key_file_path(w.path)]
    return {"tables": tables, "audited": audited, "files": [f.read_bytes() if f.exists() else None for f in files]}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("action", "name", "call", "still_raises"), CASES, ids=[c[1] for c in CASES])
def test_the_permission_table_through_the_services(world: World, role: str, action: Action, name: str, call: Call,
                                                   still_raises: type[Exception] | None) -> None:  # fmt: skip
    user = world.users[role]
    if action == "restore":  # a backup to restore from, made before anything is compared
        back_up(world.store, world.acting(world.users["admin"]), world.path.with_name("backup.db"))
    world.acting(user)
    if role in PERMISSIONS[action]:
        if still_raises is None:
            call(world, user)
        else:
            with pytest.raises(still_raises) as raised:
                call(world, user)
            assert not isinstance(raised.value, PermissionDenied)
        return
    before = snapshot(world)
    with pytest.raises(PermissionDenied, match="your role does not allow this"):
        call(world, user)
    after = snapshot(world)
    assert after["tables"] == before["tables"] and after["files"] == before["files"], "a refusal changed data"
    assert after["audited"] == before["audited"] + 1  # the refusal itself, and nothing else
    rows, _ = audit_events(world.store, world.users["admin"], action="permission_denied", limit=1)
    refused = rows[0].summary.removeprefix("refused: ")
    assert rows[0].actor == user.username and role not in PERMISSIONS[refused]  # type: ignore[index]


def test_every_action_and_every_guarded_service_is_covered() -> None:
    assert {case[0] for case in CASES} == set(ACTIONS)
    called = {case[1].split("(")[0] for case in CASES}
    modules = [m for m in vars(services_package).values() if inspect.ismodule(m)]
    guarded = {
        name
        for module in modules
        for name, fn in vars(module).items()
        if inspect.isfunction(fn) and fn.__module__ == module.__name__ and not name.startswith("_")
        and list(inspect.signature(fn).parameters)[1:2] in (["user"], ["actor"])
        and list(inspect.signature(fn).parameters)[:1] == ["store"]
    }  # fmt: skip
    assert guarded - called - SELF_SERVICE - AT_CLOSE - AT_LOGIN - SCOPE_CHECKS == set(), (
        "services that take a user but are not in the permission test"
    )


def test_docs_access_md_shows_the_table_as_it_is() -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "access.md").read_text(encoding="utf-8")
    rows = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`") and cells[0].endswith("`"):
            rows[cells[0].strip("`")] = {role.strip() for role in cells[1].split(",")}
    assert rows == {action: set(roles) for action, roles in PERMISSIONS.items()}


def test_every_refusal_on_a_postgresql_team_store_changes_nothing(postgres_url: str, tmp_path: Path) -> None:
    """The same table on a team store: every role refused every case it is not allowed, one world."""
    w = make_world(tmp_path, postgres_url)
    try:
        for action, name, call, _still in CASES:
            for role in ROLES:
                if role in PERMISSIONS[action]:
                    continue
                before = snapshot(w)
                with pytest.raises(PermissionDenied):
                    call(w, w.acting(w.users[role]))
                after = snapshot(w)
                assert (after["tables"], after["audited"]) == (before["tables"], before["audited"] + 1), (name, role)
    finally:
        w.store.close()
