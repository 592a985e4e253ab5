"""Settings, typed and validated: the service's, kept in the store, and this computer's, in a file.

``ServiceSettings`` belong to the service and are the same on every computer that opens its store
(issue 14): the service name, address and phone for letterheads; the crisis and duty contacts shown
offline when risk is high and printed on the patient copy before the national numbers (defaults, each
with its source); the ruleset in force (``ruleset_sha256``: a ruleset whose text the store holds, None
for the shipped one); the idle lock; the wait targets the list and the record flag; the long-term
conditions and kinds of MUS the screening form offers. They are read and changed through
``triage.services.service_settings`` (an admin's, audited by field). A later setting is one more field
here, with its default: the store keeps one row per field, and a store without the row reads the default.

``ComputerSettings`` belong to this computer and stay in one JSON file in the platform's config folder
(``settings_path``, or ``TRIAGE_SETTINGS``): scheduled backups of this computer's store (``BackupSchedule``:
the folder is on this computer), and which stores this computer's old service values were offered to.
Files written before issue 14 also hold service values at the top level; they stay readable
(``FileServiceValues``), are offered to the store once per store at an admin's login, and are kept as
they were when the computer's settings are saved. A file that does not validate is never half-used:
the app says what is wrong and runs on defaults until an admin fixes it in the settings dialog.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any, Literal

import platformdirs
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from triage.events import Event
from triage.fields import no_control_characters
from triage.files import atomic_write
from triage.rules.conditions import shipped_condition_lists
from triage.rules.datafile import loc_to_path
from triage.rules.waits import WaitTargets, default_wait_targets

SETTINGS_ENV = "TRIAGE_SETTINGS"
Line = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
# One entry of a service's list of conditions: one line, as the form's tick box shows it.
ConditionName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120),
                          AfterValidator(no_control_characters)]  # fmt: skip
MAX_CONDITIONS = 60  # a list the form can still show as tick boxes


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


class _LetterheadAndContacts(BaseModel):
    """The fields the store's settings and a computer's old settings file have in common."""

    service_name: Line = "NHS Talking Therapies"
    address_lines: tuple[Line, ...] = Field(default=(), max_length=6)
    phone: Line = ""
    # The service's own crisis and duty numbers: shown when risk is high, printed first on the patient copy.
    crisis_contacts: tuple[Contact, ...] = ()
    duty_contacts: tuple[Contact, ...] = ()
    national_contacts: tuple[Contact, ...] = Field(default=NATIONAL_CONTACTS, min_length=1)


class ServiceSettings(_LetterheadAndContacts):
    """The service's settings, kept in the store (``triage.services.service_settings``)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    # A ruleset the store holds the text of (its sha256, as decisions record it); None: the shipped one.
    ruleset_sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")] | None = None
    idle_lock_minutes: float = Field(default=5.0, ge=1, le=60)  # the window locks after this long unused
    # The waits the list and the record flag, and whether the clock starts at opt-in (docs/journey.md);
    # the shipped targets (resources/waits.yaml), each with its source, unless the service sets its own.
    wait_targets: WaitTargets = Field(default_factory=default_wait_targets)
    # A report meant to leave the service hides a count of fewer people than this (docs/reports.md):
    # 5, "a common choice" (issue 17), not a figure from the seed documents; the service sets its own.
    small_number_threshold: int = Field(default=5, ge=2, le=50)
    # The long-term physical conditions and kinds of MUS the screening form offers (any one leads to
    # integrated IAPT); the shipped lists (resources/conditions.yaml) unless the service sets its own.
    long_term_conditions: tuple[ConditionName, ...] = Field(
        default_factory=lambda: shipped_condition_lists().long_term_conditions
    )
    medically_unexplained_symptoms: tuple[ConditionName, ...] = Field(
        default_factory=lambda: shipped_condition_lists().medically_unexplained_symptoms
    )

    @field_validator("long_term_conditions", "medically_unexplained_symptoms")
    @classmethod
    def _a_list_the_form_can_offer(cls, names: tuple[str, ...]) -> tuple[str, ...]:
        """At least one entry, at most ``MAX_CONDITIONS``, each once (ignoring case)."""
        if not names:
            raise PydanticCustomError("empty", "at least one entry (the form also offers None and a line for others)")
        if len(names) > MAX_CONDITIONS:
            raise PydanticCustomError("too_many", "at most {most} entries, not {count}",
                                      {"most": MAX_CONDITIONS, "count": len(names)})  # fmt: skip
        keys = [name.casefold() for name in names]
        repeated = [name for index, name in enumerate(names) if keys[index] in keys[:index]]
        if repeated:
            raise PydanticCustomError("repeated", "each entry once; repeated: {names}",
                                      {"names": "; ".join(dict.fromkeys(repeated))})  # fmt: skip
        return names

    @field_validator("wait_targets", mode="before")
    @classmethod
    def _wait_targets_as_data(cls, value: Any) -> Any:
        """Stored, imported or typed wait targets are plain data (lists): checked as the data file is,
        through JSON, where the strict model takes an array for each tuple."""
        return WaitTargets.model_validate_json(json.dumps(value)) if isinstance(value, dict) else value


# What a person reads for each field: the import offer and the audit trail's readers see these.
FIELD_LABELS: dict[str, str] = {
    "service_name": "Service name",
    "address_lines": "Service address",
    "phone": "Service phone",
    "crisis_contacts": "Crisis contacts",
    "duty_contacts": "Duty contacts",
    "national_contacts": "National numbers",
    "ruleset_sha256": "Ruleset in force",
    "idle_lock_minutes": "Lock after (minutes)",
    "small_number_threshold": "Hide counts under (reports leaving the service)",
    "wait_targets": "Wait targets",
    "long_term_conditions": "Long-term conditions offered",
    "medically_unexplained_symptoms": "Medically unexplained symptoms offered",
}


def field_label(name: str) -> str:
    return FIELD_LABELS.get(name, name.replace("_", " ").capitalize())


SERVICE_FIELDS = tuple(name for name in ServiceSettings.model_fields if name != "ruleset_sha256")


class FileServiceValues(_LetterheadAndContacts):
    """Service values as a computer's settings file held them before issue 14 (the ruleset as a path on
    that computer), read only to be offered to a store (``triage.services.settings_import``)."""

    model_config = ConfigDict(extra="ignore", frozen=True, str_strip_whitespace=True)

    ruleset_path: str | None = None
    idle_lock_minutes: float = Field(default=5.0, ge=1, le=60)


OLD_SERVICE_KEYS = frozenset(FileServiceValues.model_fields)


class ComputerSettings(BaseModel):
    """This computer's own settings, in its settings file."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    scheduled_backup: BackupSchedule = BackupSchedule()
    # The stores (their database ids) this computer's old service values were offered to, answered.
    service_values_offered: tuple[str, ...] = ()


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
    def __init__(self, where: Path | str, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"{where}: " + "; ".join(problems))


def settings_path() -> Path:
    configured = os.environ.get(SETTINGS_ENV)
    return (
        Path(configured) if configured else platformdirs.user_config_path("triage", appauthor=False) / "settings.json"
    )


def problems_of(exc: ValidationError) -> list[str]:
    """Each problem named by its field (``crisis_contacts[0].phone``), never quoting the value."""
    return [f"{loc_to_path(e['loc'])}: {e['msg']}" for e in exc.errors(include_url=False, include_input=False)]


def _read_file(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise SettingsError(path, ["the settings file cannot be read as JSON"]) from None
    if not isinstance(data, dict):
        raise SettingsError(path, ["the settings file must hold one JSON object"])
    return data


def load_computer_settings(path: Path | None = None) -> ComputerSettings:
    """This computer's settings; an old file's service values are left for ``file_service_values``."""
    path = path or settings_path()
    data = _read_file(path)
    try:
        return ComputerSettings.model_validate({k: v for k, v in data.items() if k not in OLD_SERVICE_KEYS})
    except ValidationError as exc:
        raise SettingsError(path, problems_of(exc)) from None


def file_service_values(path: Path | None = None) -> FileServiceValues | None:
    """The service values an old settings file holds, or None when it holds none."""
    path = path or settings_path()
    data = {k: v for k, v in _read_file(path).items() if k in OLD_SERVICE_KEYS}
    if not data:
        return None
    try:
        return FileServiceValues.model_validate(data)
    except ValidationError as exc:
        raise SettingsError(path, problems_of(exc)) from None


def save_computer_settings(settings: ComputerSettings, path: Path | None = None) -> None:
    """Write atomically: a crash mid-save leaves the old file, never half a new one. An old file's
    service values are kept as they were (another store opened here may still be offered them)."""
    path = path or settings_path()
    try:
        kept = {k: v for k, v in _read_file(path).items() if k in OLD_SERVICE_KEYS}
    except SettingsError:
        kept = {}  # an unreadable file is replaced whole
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {**kept, **settings.model_dump(mode="json")}
    atomic_write(path, json.dumps(document, indent=2, ensure_ascii=False).encode("utf-8"))
