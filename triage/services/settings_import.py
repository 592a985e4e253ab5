"""Carrying a computer's old service settings into the store (issue 14): before the service's settings
moved into the store, each computer kept them in its own settings file, which a migration cannot see.
So at the first admin login on each computer whose file still holds service values, the app offers
them (``import_offer``): the fields whose value differs from the store's, each with both values and a
suggested choice (this computer's value where the store still has the default, else the store's). The
admin chooses field by field (``answer_import_offer``); what is taken is saved like any settings change,
audited as an import by field name. Either way the answer is recorded in this computer's file
(``ComputerSettings.service_values_offered``, per store) and the offer is not made again there.

A non-admin login never sees an offer: the store's values are simply the ones in force.

``import_settings_document`` is the command line's way in (``triage settings import FILE``): a JSON
file of settings, an old settings file included, for a service configuring a server store without the app.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from triage.rules.ruleset import RulesetError
from triage.services.inputs import InvalidInput
from triage.services.permissions import User, require
from triage.services.service_settings import (
    RulesetText,
    changed_fields,
    read_ruleset_file,
    save_service_settings,
    service_settings,
)
from triage.settings import (
    SERVICE_FIELDS,
    ComputerSettings,
    Contact,
    FileServiceValues,
    ServiceSettings,
    field_label,
    file_service_values,
    load_computer_settings,
    problems_of,
    save_computer_settings,
)
from triage.store.database import Store
from triage.store.models import ServiceRuleset, StoreIdentity

IMPORTED = " (imported from this computer's settings file)"


@dataclass(frozen=True)
class Difference:
    """One field whose value on this computer differs from the store's, as an admin reads it."""

    name: str
    label: str
    computer: str
    store: str
    suggest_computer: bool  # the store still has the default: this computer's value is the likely one
    available: bool = True  # False: this computer's value cannot be taken (its ruleset file is unusable)


@dataclass(frozen=True)
class ImportOffer:
    store_id: str
    values: ServiceSettings  # this computer's values, as the store would keep them
    ruleset: RulesetText | None
    differences: tuple[Difference, ...]


def store_id(store: Store) -> str:
    """What names this store in this computer's record of offers answered: its database id."""
    with store.read() as session:
        identity = session.get(StoreIdentity, 1)
    return identity.database_id if identity is not None else store.describe()


def describe_value(name: str, value: Any, store: Store) -> str:
    """A setting's value in words, for the admin choosing between two."""
    if name == "ruleset_sha256":
        if value is None:
            return "the shipped ruleset"
        with store.read() as session:
            row = session.get(ServiceRuleset, value)
        named = f"ruleset {row.ruleset_id} {row.version}" if row is not None else "a ruleset file"
        return f"{named} (sha256 {value[:12]}…)"
    if isinstance(value, tuple) and value and isinstance(value[0], Contact):
        return "; ".join(", ".join(part for part in (c.name, c.phone, c.hours) if part) for c in value)
    if isinstance(value, tuple):
        return ", ".join(value) if value else "(none)"
    if name == "idle_lock_minutes":
        return f"{value:g} minute" + ("" if value == 1 else "s")
    return str(value) if value != "" else "(none)"


def _as_store_values(
    old: FileServiceValues, current: ServiceSettings
) -> tuple[ServiceSettings, RulesetText | None, bool]:
    """This computer's values as the store keeps them: its ruleset file's text read here (the path means
    nothing on another computer). The bool: whether the ruleset could be read (if a file was named)."""
    data = old.model_dump(exclude={"ruleset_path"})
    ruleset, readable = None, True
    if old.ruleset_path is None:
        data["ruleset_sha256"] = None
    else:
        try:
            ruleset = read_ruleset_file(old.ruleset_path)
        except RulesetError:
            readable = False
        data["ruleset_sha256"] = ruleset.ruleset.sha256 if ruleset is not None else current.ruleset_sha256
    return ServiceSettings.model_validate(data), ruleset, readable


def import_offer(store: Store, user: User, path: Path | None = None) -> ImportOffer | None:
    """The offer to make this admin now, or None: not an admin, answered already for this store, no
    old values in this computer's file, or none that differ (then recorded as answered, silently).
    ``SettingsError`` when the file's service values do not validate (say so; nothing is recorded)."""
    if not user.can("settings"):
        return None
    here = store_id(store)
    if here in load_computer_settings(path).service_values_offered:
        return None
    old = file_service_values(path)
    if old is None:
        return None
    current = service_settings(store)
    values, ruleset, readable = _as_store_values(old, current)
    # only what the file holds: a field it leaves out was never set on this computer
    given = {"ruleset_sha256" if name == "ruleset_path" else name for name in old.model_fields_set}
    defaults = ServiceSettings()
    differences = [
        Difference(name, field_label(name), describe_value(name, getattr(values, name), store),
                   describe_value(name, getattr(current, name), store),
                   suggest_computer=getattr(current, name) == getattr(defaults, name))
        for name in changed_fields(current, values)
        if name in given
    ]  # fmt: skip
    if not readable:
        differences.append(Difference("ruleset_sha256", field_label("ruleset_sha256"),
                                      f"{old.ruleset_path} (cannot be used: it cannot be read or does not validate)",
                                      describe_value("ruleset_sha256", current.ruleset_sha256, store),
                                      suggest_computer=False, available=False))  # fmt: skip
    if not differences:
        mark_answered(here, path)
        return None
    return ImportOffer(here, values, ruleset, tuple(differences))


def answer_import_offer(store: Store, user: User, offer: ImportOffer, take: Collection[str],
                        path: Path | None = None) -> list[str]:  # fmt: skip
    """Take this computer's value for each field named in ``take`` (none: keep the store's), audited as
    an import; then record on this computer that the offer was answered. Returns the fields saved."""
    require(user, "settings", store=store)
    usable = {d.name for d in offer.differences if d.available}
    chosen = {name: getattr(offer.values, name) for name in take if name in usable}
    saved: list[str] = []
    if chosen:
        merged = service_settings(store).model_copy(update=chosen)
        merged = ServiceSettings.model_validate(merged.model_dump())
        saved = save_service_settings(store, user, merged, ruleset=offer.ruleset, action="import", how=IMPORTED)
    mark_answered(offer.store_id, path)
    return saved


def mark_answered(here: str, path: Path | None = None) -> None:
    computer = load_computer_settings(path)
    if here not in computer.service_values_offered:
        offered = (*computer.service_values_offered, here)
        save_computer_settings(computer.model_copy(update={"service_values_offered": offered}), path)


COMPUTER_KEYS = frozenset(ComputerSettings.model_fields)


def import_settings_document(store: Store, user: User, data: object, base: Path) -> tuple[list[str], list[str]]:
    """``triage settings import FILE``: the service's settings a JSON file gives (any of the
    ``ServiceSettings`` fields, or an old settings file whole), over the store's, saved and audited as
    an import. A ``ruleset_path`` (relative to ``base``, the file's folder) is read and its text kept.
    This computer's own keys (``scheduled_backup``) are left out, said so. Returns (fields saved, notes).
    ``InvalidInput`` names each bad field; nothing is written then."""
    require(user, "settings", store=store)
    if not isinstance(data, dict):
        raise InvalidInput(["input: must be one JSON object of settings fields"])
    known = set(SERVICE_FIELDS) | {"ruleset_path"}
    unknown = sorted(set(data) - known - COMPUTER_KEYS)
    if unknown:
        raise InvalidInput(
            [f"{name}: not a service setting (they are: {', '.join(sorted(known))})" for name in unknown]
        )
    notes = [
        f"{name}: this computer's own setting, not the service's; not imported"
        for name in sorted(set(data) & COMPUTER_KEYS)
    ]
    given = {name: value for name, value in data.items() if name in SERVICE_FIELDS}
    ruleset: RulesetText | None = None
    current = service_settings(store)
    if "ruleset_path" in data:
        if data["ruleset_path"] is None:
            given["ruleset_sha256"] = None
        elif not isinstance(data["ruleset_path"], str):
            raise InvalidInput(["ruleset_path: must be the path of a ruleset file, or null for the shipped one"])
        else:
            try:
                ruleset = read_ruleset_file(base / data["ruleset_path"])
            except RulesetError as exc:
                raise InvalidInput([f"ruleset_path: {problem}" for problem in exc.problems]) from None
            given["ruleset_sha256"] = ruleset.ruleset.sha256
    try:
        settings = ServiceSettings.model_validate({**current.model_dump(mode="json"), **given})
    except ValidationError as exc:
        raise InvalidInput(problems_of(exc)) from None
    saved = save_service_settings(store, user, settings, ruleset=ruleset, action="import",
                                  how=" (imported from a settings file)")  # fmt: skip
    return saved, notes
