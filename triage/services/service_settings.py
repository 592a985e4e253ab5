"""Changing the service's settings (letterhead, crisis and duty contacts, the ruleset in force, the
idle lock): an admin's job, checked here and recorded in the audit trail, never only by hiding the
Settings dialog. The settings themselves are a local file (``triage.settings``), not in the store."""

from __future__ import annotations

from pathlib import Path

from triage.services.permissions import User, require
from triage.settings import ServiceSettings, SettingsError, load_settings, save_settings
from triage.store.audit import describe_changes, record_event
from triage.store.database import Store


def save_service_settings(store: Store, user: User, settings: ServiceSettings, path: Path | None = None) -> None:
    """Save ``settings`` (``settings``; choosing another ruleset also needs ``rulesets``). The change
    is audited by field name only, before the file is replaced."""
    require(user, "settings", store=store)
    try:
        before: ServiceSettings | None = load_settings(path)
    except SettingsError:
        before = None  # an unreadable file is replaced whole
    changed = [name for name in ServiceSettings.model_fields
               if before is None or getattr(before, name) != getattr(settings, name)]  # fmt: skip
    if "ruleset_path" in changed:
        require(user, "rulesets", store=store)
    if not changed:
        return
    with store.write() as session:
        record_event(session, actor=user.username, entity_type="database", entity_id="settings", action="update",
                     summary=describe_changes(changed))  # fmt: skip
    save_settings(settings, path)
