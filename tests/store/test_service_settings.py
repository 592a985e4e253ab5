"""The service's settings kept in the store (issue 14), on SQLite and PostgreSQL: saved by an admin,
audited by field name only; refused for anyone else with nothing written; a ruleset put in force kept
as text, usable with its file gone and found again to replay and write letters for decisions made
under it; a 0009 store upgraded with everything kept; a computer's old settings file offered once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from tests.store.conftest import referral_input
from tests.store.test_letters_store import build, decided
from tests.store.test_migrations import REVISIONS, snapshot, table_columns
from tests.users import as_admin, as_leader, as_pwp
from triage.resources import resource_path
from triage.rules.ruleset import RulesetError
from triage.services import create_referral, replay_decision
from triage.services.permissions import PermissionDenied
from triage.services.service_settings import (
    read_ruleset_file,
    ruleset_in_force,
    save_service_settings,
    service_settings,
)
from triage.services.settings_import import answer_import_offer, import_offer
from triage.settings import (
    Contact,
    ServiceSettings,
    SettingsError,
    file_service_values,
    load_computer_settings,
)
from triage.store import open_store, schema_revision, verify_database
from triage.store.audit import events_for
from triage.store.database import SCHEMA_HEAD, Store, downgrade_schema
from triage.store.models import AuditEvent, Referral, ServiceRuleset, ServiceSetting

ADMIN = as_admin("admin")
CRISIS = (Contact(name="Doncaster crisis line", phone="0800 804 8999", hours="24 hours"),)


def service_ruleset_file(folder: Path, version: str = "9.1.0") -> Path:
    """A service's own ruleset: the shipped matrix under another version (a draft: it needs no review hash)."""
    document = yaml.safe_load(resource_path("rules", "doncaster-2007.yaml").read_text(encoding="utf-8"))
    document.pop("sha256")
    document.update(status="draft", version=version)
    path = folder / "service-rules.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def trail(store: Store) -> list[tuple[str, str, str]]:
    with store.read() as session:
        return [(e.actor, e.action, e.summary) for e in events_for(session, "database", "settings")]


def rows(store: Store) -> int:
    with store.read() as session:
        return int(session.scalar(select(func.count()).select_from(ServiceSetting)) or 0) + int(
            session.scalar(select(func.count()).select_from(ServiceRuleset)) or 0
        )


def test_an_admins_settings_are_kept_in_the_store_and_audited_by_field_name(store: Store) -> None:
    assert service_settings(store) == ServiceSettings()  # a new store: the defaults
    wanted = ServiceSettings(service_name="Doncaster Talking Therapies", phone="01302 555 0101", crisis_contacts=CRISIS)
    assert save_service_settings(store, ADMIN, wanted) == ["service_name", "phone", "crisis_contacts"]
    assert service_settings(store) == wanted
    assert trail(store) == [("admin", "update", "changed: crisis_contacts, phone, service_name")]
    assert "Doncaster" not in str(trail(store)) and "0800" not in str(trail(store))  # names, never values
    assert save_service_settings(store, ADMIN, wanted) == []  # nothing changed: nothing written, nothing audited
    assert len(trail(store)) == 1


@pytest.mark.parametrize("who", [as_pwp("pwp"), as_leader("lead")], ids=["pwp", "team_leader"])
def test_a_non_admins_change_is_refused_and_leaves_nothing_written(store: Store, who) -> None:  # type: ignore[no-untyped-def]
    with store.read() as session:
        events = session.scalar(select(func.count()).select_from(AuditEvent))
    with pytest.raises(PermissionDenied):
        save_service_settings(store, who, ServiceSettings(crisis_contacts=CRISIS))
    assert rows(store) == 0 and service_settings(store) == ServiceSettings()
    with store.read() as session:
        refusals = session.scalars(select(AuditEvent).where(AuditEvent.id > events)).all()
    assert [(e.actor, e.action, e.summary) for e in refusals] == [
        (who.username, "permission_denied", "refused: settings")
    ]


def test_a_ruleset_in_force_is_kept_as_text_and_replays_with_its_file_gone(store: Store, tmp_path: Path) -> None:
    path = service_ruleset_file(tmp_path)
    chosen = read_ruleset_file(path)
    settings = ServiceSettings(ruleset_sha256=chosen.ruleset.sha256)
    with pytest.raises(Exception, match="holds no ruleset"):  # a hash alone: the store has no text for it
        save_service_settings(store, ADMIN, settings)
    assert rows(store) == 0
    save_service_settings(store, ADMIN, settings, ruleset=chosen)
    path.unlink()  # another computer has no such file: the store's text is what counts
    in_force = ruleset_in_force(store, service_settings(store))
    assert (in_force.sha256, in_force.version) == (chosen.ruleset.sha256, "9.1.0")
    assert "kept in the store" in in_force.origin
    _, decision_id = decided(store, ruleset=in_force)
    replay = replay_decision(store, as_leader("lead"), decision_id)
    assert replay.ruleset_available and replay.matches, replay.message
    assert build(store, decision_id).pdf  # the letter is written under the decision's own ruleset
    save_service_settings(store, ADMIN, ServiceSettings())  # back to the shipped one
    assert ruleset_in_force(store, service_settings(store)).version != "9.1.0"
    assert replay_decision(store, as_leader("lead"), decision_id).matches  # old decisions still replay


def test_an_unusable_stored_value_is_named_and_an_unknown_one_ignored(store: Store) -> None:
    with store.write() as session:
        session.add(ServiceSetting(name="a_field_of_a_newer_version", value='{"weeks": 6}', changed_by="newer.version"))
    assert service_settings(store) == ServiceSettings()  # a field a newer version added is left alone
    with store.write() as session:
        session.add(ServiceSetting(name="idle_lock_minutes", value="0", changed_by="admin"))
    with pytest.raises(SettingsError, match="idle_lock_minutes"):
        service_settings(store)
    with pytest.raises(RulesetError, match="holds no ruleset"):
        ruleset_in_force(store, ServiceSettings(ruleset_sha256="0" * 64))


def test_a_0009_store_is_upgraded_with_everything_kept(database_url: str) -> None:
    with open_store(database_url) as store:
        created = create_referral(store, as_pwp("pwp"), referral_input(1))
        decided(store, serial=2)
        downgrade_schema(store.engine, "0009")
        assert schema_revision(store.engine) == "0009"
    old_columns = table_columns(database_url)
    assert "service_setting" not in old_columns
    before = snapshot(database_url, old_columns)
    with open_store(database_url) as store:
        assert schema_revision(store.engine) == REVISIONS[-1] == SCHEMA_HEAD
        assert verify_database(store) == []
        assert (
            service_settings(store) == ServiceSettings()
        )  # every computer reads the defaults until an admin sets them
        with store.read() as session:
            assert session.get(Referral, created.id) is not None
    assert snapshot(database_url, old_columns) == before  # every old row and column as it was


OLD_FILE = {  # a settings file as triage wrote it before issue 14
    "service_name": "Doncaster Talking Therapies",
    "address_lines": ["1 Example Street", "Doncaster"],
    "phone": "01302 555 0101",
    "crisis_contacts": [{"name": "Doncaster crisis line", "phone": "0800 804 8999", "hours": "24 hours", "source": ""}],
    "duty_contacts": [],
    "idle_lock_minutes": 10,
    "scheduled_backup": {"when": "off", "every_closes": 5, "folder": "", "keep": 10},
}


def test_a_computers_old_values_are_offered_once_and_imported_by_field(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({**OLD_FILE, "ruleset_path": str(service_ruleset_file(tmp_path))}), encoding="utf-8")
    assert load_computer_settings(path).scheduled_backup.when == "off"  # an old file reads as it was
    save_service_settings(store, ADMIN, ServiceSettings(phone="01302 000 000"))  # another computer set the phone
    assert import_offer(store, as_pwp("pwp"), path) is None  # no offer to anyone but an admin
    offer = import_offer(store, ADMIN, path)
    assert offer is not None
    by_name = {d.name: d for d in offer.differences}
    assert set(by_name) == {"service_name", "address_lines", "phone", "crisis_contacts", "idle_lock_minutes",
                            "ruleset_sha256"}  # fmt: skip
    assert (by_name["phone"].computer, by_name["phone"].store) == ("01302 555 0101", "01302 000 000")
    assert not by_name["phone"].suggest_computer  # the store's own value is suggested: someone set it
    assert by_name["service_name"].suggest_computer  # the store still has the default
    assert by_name["ruleset_sha256"].store == "the shipped ruleset"
    saved = answer_import_offer(store, ADMIN, offer, ["service_name", "crisis_contacts", "ruleset_sha256"], path)
    assert sorted(saved) == ["crisis_contacts", "ruleset_sha256", "service_name"]
    now = service_settings(store)
    assert (now.service_name, now.phone, now.crisis_contacts[0].phone) == (OLD_FILE["service_name"],
                                                                           "01302 000 000", "0800 804 8999")  # fmt: skip
    assert ruleset_in_force(store, now).version == "9.1.0"
    assert trail(store)[-1] == ("admin", "import", "changed: crisis_contacts, ruleset_sha256, service_name "
                                                   "(imported from this computer's settings file)")  # fmt: skip
    assert import_offer(store, ADMIN, path) is None  # answered: not asked again on this computer
    assert file_service_values(path) is not None  # the old values stay in the file, for another store


def test_no_offer_when_nothing_differs_and_an_unreadable_ruleset_is_not_taken(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"phone": "01302 555 0101"}), encoding="utf-8")
    save_service_settings(store, ADMIN, ServiceSettings(phone="01302 555 0101"))
    assert import_offer(store, ADMIN, path) is None  # the same: recorded as answered, silently
    assert load_computer_settings(path).service_values_offered
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"ruleset_path": str(tmp_path / "gone.yaml")}), encoding="utf-8")
    offer = import_offer(store, ADMIN, other)
    assert offer is not None and [(d.name, d.available) for d in offer.differences] == [("ruleset_sha256", False)]
    assert answer_import_offer(store, ADMIN, offer, ["ruleset_sha256"], other) == []  # cannot be taken
    assert service_settings(store).ruleset_sha256 is None
