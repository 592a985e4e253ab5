"""The service's settings, kept in the store (issue 14): the letterhead, the crisis and duty contacts,
the national numbers, the ruleset in force and the idle lock, the same on every computer that opens
the store. Anyone logged in reads them (``service_settings``); changing them is an admin's job
(``settings``; the ruleset also ``rulesets``), checked here, never only by hiding the Settings dialog,
and audited by field name in the transaction that writes them (never the values: a contact's name
is service data, but the field names say all an auditor needs).

Each field is one row of ``service_setting`` (its canonical JSON). One row per field rather than one
document: a save writes only the fields that changed, so two admins changing different fields on two
computers do not undo each other's change; a field without a row reads its default, so a new setting is
one field on ``ServiceSettings`` and nothing else; and a row a newer version wrote is ignored by an
older one instead of making the whole document unreadable.

The ruleset in force is a hash (``ruleset_sha256``) naming a ruleset whose text the store holds
(``service_ruleset``), validated by the ruleset loader before it is kept: a path would name a file on
one computer only. ``held_ruleset`` finds one for replaying an old decision (``decisions.find_ruleset``).

This computer's own settings (the scheduled backup) stay in its settings file: ``save_computer_settings``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from triage.rules.datafile import DataFileError, parse_yaml
from triage.rules.ruleset import Ruleset, RulesetError, build_ruleset, default_ruleset
from triage.rules.waits import label_problems
from triage.services.permissions import User, require
from triage.settings import (
    ComputerSettings,
    ServiceSettings,
    SettingsError,
    load_computer_settings,
    problems_of,
)
from triage.settings import save_computer_settings as write_computer_settings
from triage.store.audit import describe_changes, record_event
from triage.store.database import Store
from triage.store.errors import RefusedError
from triage.store.models import ServiceRuleset, ServiceSetting
from triage.store.types import utc_now
from triage.store.vocabulary import AuditAction

IN_THE_STORE = "the store's service settings"


@dataclass(frozen=True)
class RulesetText:
    """A ruleset file's text with the ruleset it validates as: what the store keeps to put it in force."""

    ruleset: Ruleset
    text: str


def ruleset_from_text(text: str, origin: str, *, allow_retired: bool = False) -> Ruleset:
    """The ruleset ``text`` holds, checked in full by the ruleset loader (``RulesetError`` if not usable)."""
    try:
        raw = parse_yaml(text, origin)
    except DataFileError as exc:
        raise RulesetError(origin, [str(exc)]) from None
    return build_ruleset(raw, origin=origin, allow_retired=allow_retired)


def read_ruleset_file(path: Path | str) -> RulesetText:
    """A ruleset file on this computer, read and validated, ready to be kept by the store."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesetError(str(path), [f"cannot be read ({exc.__class__.__name__})"]) from None
    return RulesetText(ruleset_from_text(text, str(path)), text)


def _origin(row: ServiceRuleset) -> str:
    return f"kept in the store (ruleset {row.ruleset_id} {row.version}, added by {row.added_by})"


def _rows(session: Session) -> dict[str, Any]:
    known = ServiceSettings.model_fields
    return {row.name: json.loads(row.value) for row in session.scalars(select(ServiceSetting)) if row.name in known}


def read_service_settings(session: Session) -> ServiceSettings:
    try:
        return ServiceSettings.model_validate(_rows(session))
    except ValidationError as exc:
        raise SettingsError(IN_THE_STORE, problems_of(exc)) from None


def service_settings(store: Store) -> ServiceSettings:
    """The service's settings in force (``SettingsError`` naming the fields if a stored value is unusable)."""
    with store.read() as session:
        return read_service_settings(session)


def held_ruleset(session: Session, sha256: str) -> Ruleset | None:
    """The ruleset with this content hash among those the store holds (for replaying a decision)."""
    row = session.get(ServiceRuleset, sha256)
    if row is None:
        return None
    try:
        ruleset = ruleset_from_text(row.text, _origin(row), allow_retired=True)
    except RulesetError:
        return None
    return ruleset if ruleset.sha256 == sha256 else None


def ruleset_in_force(store: Store, settings: ServiceSettings) -> Ruleset:
    """The ruleset the service has put in force, from the text the store holds; else the shipped one.
    ``RulesetError`` when the store's text is missing or no longer validates: never routed by guesswork."""
    if settings.ruleset_sha256 is None:
        return default_ruleset()
    with store.read() as session:
        row = session.get(ServiceRuleset, settings.ruleset_sha256)
    if row is None:
        raise RulesetError(IN_THE_STORE, [f"ruleset_sha256: the store holds no ruleset {settings.ruleset_sha256}"])
    ruleset = ruleset_from_text(row.text, _origin(row))
    if ruleset.sha256 != row.sha256:
        raise RulesetError(_origin(row), [f"sha256: the kept text validates as {ruleset.sha256}, not {row.sha256}"])
    return ruleset


def changed_fields(before: ServiceSettings, after: ServiceSettings) -> list[str]:
    return [name for name in ServiceSettings.model_fields if getattr(before, name) != getattr(after, name)]


def save_service_settings(store: Store, user: User, settings: ServiceSettings, *, ruleset: RulesetText | None = None,
                          action: AuditAction = "update", how: str = "") -> list[str]:  # fmt: skip
    """Save ``settings`` in the store: the fields that differ from the store's, in one transaction with
    one audit event naming them (``how`` says where they came from, e.g. an import). Needs ``settings``;
    another ruleset also needs ``rulesets`` and, when the store does not hold it yet, its ``ruleset``
    text. Refused, nothing is written but the refusal's own audit event. Returns the fields saved."""
    require(user, "settings", store=store)
    changed = changed_fields(service_settings(store), settings)
    if "wait_targets" in changed and (problems := label_problems(settings.wait_targets)):
        raise RefusedError("; ".join(problems))
    if "ruleset_sha256" in changed:
        require(user, "rulesets", store=store)
    if not changed:
        return []
    with store.write() as session:
        changed = changed_fields(read_service_settings(session), settings)  # as it is now, inside the lock
        wanted = settings.ruleset_sha256
        if "ruleset_sha256" in changed and wanted is not None and session.get(ServiceRuleset, wanted) is None:
            if ruleset is None or ruleset.ruleset.sha256 != wanted:
                raise RefusedError(f"ruleset_sha256: the store holds no ruleset {wanted}; choose its file")
            session.add(ServiceRuleset(sha256=wanted, ruleset_id=ruleset.ruleset.id, version=ruleset.ruleset.version,
                                       text=ruleset.text, added_by=user.username))  # fmt: skip
        values = settings.model_dump(mode="json")
        for name in changed:
            session.merge(ServiceSetting(name=name, value=json.dumps(values[name], sort_keys=True, ensure_ascii=False),
                                         changed_by=user.username, changed_at=utc_now()))  # fmt: skip
        if changed:
            record_event(session, actor=user.username, entity_type="database", entity_id="settings", action=action,
                         summary=describe_changes(changed) + how)  # fmt: skip
    return changed


def save_computer_settings(store: Store, user: User, settings: ComputerSettings, path: Path | None = None) -> None:
    """Save this computer's own settings (``settings``: an admin's, as the service's are), audited by
    field name before the file is replaced."""
    require(user, "settings", store=store)
    try:
        before: ComputerSettings | None = load_computer_settings(path)
    except SettingsError:
        before = None  # an unreadable file is replaced whole
    changed = [name for name in ComputerSettings.model_fields
               if before is None or getattr(before, name) != getattr(settings, name)]  # fmt: skip
    if not changed:
        return
    with store.write() as session:
        record_event(session, actor=user.username, entity_type="database", entity_id="settings", action="update",
                     summary=describe_changes(changed) + " (this computer)")  # fmt: skip
    write_computer_settings(settings, path)
