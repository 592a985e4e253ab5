"""``triage settings show|import``: a service configures a server store's settings without the app.
The import is an admin's (a PWP is refused, nothing written), audited by field name as an import;
a bad field is named and nothing is written; a computer's old settings file imports whole, its
ruleset file's text kept in the store, and its own keys (the scheduled backup) left out, said so."""

from __future__ import annotations

import json

from tests.store.test_service_settings import service_ruleset_file
from tests.test_cli_store import ADMIN, PWP, audit_trail, environment, new_store, opened, refused, run, run_as, template
from triage.services.service_settings import ruleset_in_force, service_settings
from triage.settings import ServiceSettings

__all__ = ["environment", "new_store", "template"]  # the fixtures, used by name

OLD_FILE = {
    "service_name": "Doncaster Talking Therapies",
    "phone": "01302 555 0101",
    "crisis_contacts": [{"name": "Doncaster crisis line", "phone": "0800 804 8999", "hours": "24 hours", "source": ""}],
    "ruleset_path": "service-rules.yaml",
    "scheduled_backup": {"when": "off", "every_closes": 5, "folder": "", "keep": 10},
}


def test_an_admin_imports_an_old_settings_file_and_show_prints_it(tmp_path, capsys, monkeypatch, new_store,
                                                                   template) -> None:  # fmt: skip
    db = new_store(tmp_path / "team.db")
    service_ruleset_file(tmp_path)
    settings_file = tmp_path / "settings.json"
    settings_file.write_text(json.dumps(OLD_FILE), encoding="utf-8")

    code, out, err = run_as(monkeypatch, capsys, PWP, "--database", db, "settings", "import", settings_file)
    assert (code, err) == (1, refused("settings"))
    with opened(db, template.key) as store:
        assert service_settings(store) == ServiceSettings()  # nothing written

    code, out, err = run_as(monkeypatch, capsys, ADMIN, "--database", db, "settings", "import", settings_file)
    assert code == 0, err
    assert "note: scheduled_backup: this computer's own setting, not the service's; not imported" in out
    assert out.endswith("ok: 4 settings changed: service_name, phone, crisis_contacts, ruleset_sha256\n")
    with opened(db, template.key) as store:
        stored = service_settings(store)
        assert (stored.service_name, stored.crisis_contacts[0].phone) == (
            "Doncaster Talking Therapies",
            "0800 804 8999",
        )
        assert ruleset_in_force(store, stored).version == "9.1.0"
    assert audit_trail(db, template.key)[-1] == (
        ADMIN,
        "import",
        "changed: crisis_contacts, phone, ruleset_sha256, service_name (imported from a settings file)",
    )

    code, out, _ = run(capsys, "--database", db, "settings", "show")  # still the admin
    shown = json.loads(out)
    assert code == 0 and shown["service_name"] == "Doncaster Talking Therapies"
    assert (
        shown["ruleset_in_force"]["version"] == "9.1.0" and "kept in the store" in shown["ruleset_in_force"]["origin"]
    )


def test_a_bad_field_is_named_and_nothing_is_written(tmp_path, capsys, monkeypatch, new_store, template) -> None:
    db = new_store(tmp_path / "team.db")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"phone": "01302 555 0101", "idle_lock_minutes": 0, "letterhead_colour": "red"}))
    code, _, err = run_as(monkeypatch, capsys, ADMIN, "--database", db, "settings", "import", bad)
    assert code == 2 and "letterhead_colour: not a service setting" in err
    bad.write_text(json.dumps({"phone": "01302 555 0101", "idle_lock_minutes": 0}))
    code, _, err = run(capsys, "--database", db, "settings", "import", bad)
    assert code == 2 and "idle_lock_minutes: Input should be greater than or equal to 1" in err
    with opened(db, template.key) as store:
        assert service_settings(store) == ServiceSettings()


def test_wait_targets_and_the_lists_of_conditions_import_and_show(tmp_path, capsys, monkeypatch, new_store,
                                                                    template) -> None:  # fmt: skip
    """The generic import takes the wait targets (shaped as resources/waits.yaml) and the lists offered on
    the screening form; a bad target is named by its field and nothing is written."""
    from triage.rules.waits import default_wait_targets

    db = new_store(tmp_path / "team.db")
    targets = default_wait_targets().model_dump(mode="json")
    targets["opt_in_clock"] = True
    targets["targets"][0]["days"] = 5
    targets["targets"][0]["label"] = "Referral to assessment within 5 days"  # a label must say its own days
    document = {"wait_targets": targets, "long_term_conditions": ["Diabetes (type 1 or 2)", "Coeliac disease"],
                "medically_unexplained_symptoms": ["Fibromyalgia"]}  # fmt: skip
    path = tmp_path / "service.json"
    bad = {**targets, "targets": [{**targets["targets"][0], "days": 0}]}
    path.write_text(json.dumps({**document, "wait_targets": bad}), encoding="utf-8")
    code, _, err = run_as(monkeypatch, capsys, ADMIN, "--database", db, "settings", "import", path)
    assert code == 2 and "wait_targets.targets[0].days: Input should be greater than or equal to 1" in err
    with opened(db, template.key) as store:
        assert service_settings(store) == ServiceSettings()
    path.write_text(json.dumps(document), encoding="utf-8")
    code, out, err = run(capsys, "--database", db, "settings", "import", path)
    assert code == 0, err
    assert out.endswith("ok: 3 settings changed: wait_targets, long_term_conditions, medically_unexplained_symptoms\n")
    with opened(db, template.key) as store:
        stored = service_settings(store)
    assert (stored.wait_targets.opt_in_clock, stored.wait_targets.targets[0].days) == (True, 5)
    assert stored.long_term_conditions == ("Diabetes (type 1 or 2)", "Coeliac disease")
    assert audit_trail(db, template.key)[-1] == (ADMIN, "import", "changed: long_term_conditions, "
                                                 "medically_unexplained_symptoms, wait_targets (imported from a "
                                                 "settings file)")  # fmt: skip
    code, out, _ = run(capsys, "--database", db, "settings", "show")
    shown = json.loads(out)
    assert shown["wait_targets"]["targets"][0]["days"] == 5 and shown["medically_unexplained_symptoms"] == [
        "Fibromyalgia"
    ]
