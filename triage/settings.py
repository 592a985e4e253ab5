"""Service settings (typed, validated, one JSON file in the platform's config folder).

Service name, address and phone for letterheads; crisis and duty contacts shown offline when risk is
high and printed on the patient copy before the national numbers (defaults, each with its source); an
optional ruleset file the service publishes instead of the shipped one; scheduled backups of this
computer's store (``BackupSchedule``: the folder is on this computer, so the setting is too). A file that does
not validate is never half-used: the app says what is wrong and runs on defaults until an admin fixes
it in the settings dialog.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from triage.events import Event
from triage.files import atomic_write
from triage.rules.datafile import loc_to_path

SETTINGS_ENV = "TRIAGE_SETTINGS"
Line = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]


class Contact(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    name: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    phone: Annotated[str, StringConstraints(min_length=3, max_length=40)]
    hours: Line = ""
    source: Line = ""  # where the number comes from, so that an admin can check it is still right


# The national numbers the patient copy prints after the service's own, written for the person who
# reads the letter. Defaults an admin sees and changes in Settings; each says where it comes from.
NATIONAL_CONTACTS: tuple[Contact, ...] = (
    Contact(name="Emergency services, if you cannot keep yourself safe or your life is at risk", phone="999",
            hours="24 hours", source="NHS, When to call 999: nhs.uk/nhs-services/urgent-and-emergency-care-services/"
            "when-to-call-999"),
    Contact(name="NHS 111 for urgent help that is not an emergency (choose the mental health option)", phone="111",
            hours="24 hours", source="NHS, Where to get urgent help for mental health: nhs.uk/nhs-services/"
            "mental-health-services/where-to-get-urgent-help-for-mental-health"),
    Contact(name="Samaritans, to talk to someone at any time, free", phone="116 123", hours="24 hours",
            source="Samaritans, Contact us: samaritans.org/how-we-can-help/contact-samaritan"),
)  # fmt: skip


BackupWhen = Literal["off", "closes", "daily"]


class BackupSchedule(BaseModel):
    """Backups made as triage closes (issue 13 item 11): off, on every ``every_closes``-th close, or
    daily (the first close 24 hours or more after the last one that succeeded), into ``folder``,
    verified; the newest ``keep`` of them are kept there."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    when: BackupWhen = "off"
    every_closes: int = Field(default=5, ge=1, le=100)
    folder: str = Field(default="", max_length=1000, validate_default=True)
    keep: int = Field(default=10, ge=1, le=365)

    @field_validator("folder")
    @classmethod
    def _a_whole_path_when_on(cls, folder: str, info: ValidationInfo) -> str:
        if folder and not Path(folder).expanduser().is_absolute():
            raise PydanticCustomError("folder", "give the whole path of the folder, from the top of its drive")
        if not folder and info.data.get("when", "off") != "off":
            raise PydanticCustomError("folder", "choose the folder the scheduled backups go to")
        return folder


class ServiceSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    service_name: Line = "NHS Talking Therapies"
    address_lines: tuple[Line, ...] = Field(default=(), max_length=6)
    phone: Line = ""
    # The service's own crisis and duty numbers: shown when risk is high, printed first on the patient copy.
    crisis_contacts: tuple[Contact, ...] = ()
    duty_contacts: tuple[Contact, ...] = ()
    national_contacts: tuple[Contact, ...] = Field(default=NATIONAL_CONTACTS, min_length=1)
    ruleset_path: str | None = None  # a service's own ruleset; None means the shipped one
    idle_lock_minutes: float = Field(default=5.0, ge=1, le=60)  # the window locks after this long unused
    scheduled_backup: BackupSchedule = BackupSchedule()


class LiveSettings:
    """The settings in force, observed rather than copied: open pages read ``current`` when they
    need it and redraw on ``changed``, so a save in the settings dialog reaches every page at once."""

    def __init__(self, settings: ServiceSettings) -> None:
        self.current = settings
        self.changed: Event[ServiceSettings] = Event()

    def replace(self, settings: ServiceSettings) -> None:
        if settings != self.current:
            self.current = settings
            self.changed.emit(settings)


class SettingsError(ValueError):
    def __init__(self, path: Path, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"{path}: " + "; ".join(problems))


def settings_path() -> Path:
    configured = os.environ.get(SETTINGS_ENV)
    return (
        Path(configured) if configured else platformdirs.user_config_path("triage", appauthor=False) / "settings.json"
    )


def load_settings(path: Path | None = None) -> ServiceSettings:
    path = path or settings_path()
    if not path.exists():
        return ServiceSettings()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise SettingsError(path, ["the settings file cannot be read as JSON"]) from None
    try:
        return ServiceSettings.model_validate(data)
    except ValidationError as exc:
        raise SettingsError(
            path, [f"{loc_to_path(e['loc'])}: {e['msg']}" for e in exc.errors(include_url=False)]
        ) from None


def save_settings(settings: ServiceSettings, path: Path | None = None) -> None:
    """Write atomically: a crash mid-save leaves the old file, never half a new one."""
    path = path or settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, settings.model_dump_json(indent=2).encode("utf-8"))
