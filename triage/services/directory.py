"""The GP practice directory: listing it for the referral form, and importing it from a CSV file.

CSV columns: ``code`` (ODS practice code), ``name``, and optionally ``address`` (lines separated by
``;`` or new lines) and ``gp_names`` (separated by ``;``). The whole file is checked before anything is
written, and a bad row is reported by its number and field.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from triage.services.inputs import GpPracticeInput, InvalidInput, parse
from triage.services.permissions import User, require
from triage.services.spreadsheet_csv import NotUnicodeText, delimiter, spreadsheet_text
from triage.store.audit import describe_changes, record_event
from triage.store.database import Store
from triage.store.models import GpPractice
from triage.store.vocabulary import AuditAction

CSV_FIELDS = ("code", "name", "address", "gp_names")


@dataclass(frozen=True, slots=True)
class PracticeEntry:
    code: str
    name: str
    address: str
    gp_names: tuple[str, ...]

    @property
    def address_lines(self) -> tuple[str, ...]:
        return tuple(line.strip() for line in self.address.replace(";", "\n").splitlines() if line.strip())


def list_practices(store: Store) -> list[PracticeEntry]:
    with store.read() as session:
        rows = session.scalars(select(GpPractice).order_by(GpPractice.name, GpPractice.code))
        return [PracticeEntry(p.code, p.name, p.address, tuple(p.gp_names)) for p in rows]


def read_practices_csv(text: str) -> list[GpPracticeInput]:
    """Every row validated; ``InvalidInput`` lists each bad row by number (the header is row 1)."""
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter(text))  # Excel's "Unicode Text" is tab-separated
    missing = [f for f in ("code", "name") if f not in (reader.fieldnames or [])]
    if missing:
        raise InvalidInput([f"header: the column(s) {', '.join(missing)} are required"])
    unknown = [f for f in reader.fieldnames or [] if f not in CSV_FIELDS]
    if unknown:
        raise InvalidInput([f"header: unknown column(s) {', '.join(unknown)}; the columns are {', '.join(CSV_FIELDS)}"])
    practices, problems = [], []
    for number, row in enumerate(reader, start=2):
        data = {
            "code": row.get("code") or "",
            "name": row.get("name") or "",
            "address": (row.get("address") or "").replace(";", "\n"),
            "gp_names": tuple(n.strip() for n in (row.get("gp_names") or "").split(";") if n.strip()),
        }
        try:
            practices.append(parse(GpPracticeInput, data))
        except InvalidInput as exc:
            problems += [f"row {number}: {problem}" for problem in exc.problems]
    if problems:
        raise InvalidInput(problems)
    return practices


def import_practices_csv(store: Store, user: User, path: Path) -> int:
    """Add or update the practices in a CSV file (``settings``); one bad row means none is saved."""
    require(user, "settings", store=store)
    try:
        text = spreadsheet_text(path.read_bytes())  # UTF-8, or UTF-16 with a byte order mark
    except OSError:
        raise InvalidInput(["file: cannot be read"]) from None
    except NotUnicodeText as exc:
        raise InvalidInput([f"file: {exc}"]) from None
    practices = read_practices_csv(text)
    for practice in practices:
        save_gp_practice(store, user, practice)
    return len(practices)


def save_gp_practice(store: Store, user: User, data: GpPracticeInput) -> None:
    """Add a practice to the directory, or update it (``settings``)."""
    require(user, "settings", store=store)
    with store.write() as session:
        practice = session.get(GpPractice, data.code)
        if practice is None:
            session.add(GpPractice(code=data.code, name=data.name, address=data.address, gp_names=list(data.gp_names)))
            action: AuditAction = "create"
            summary = "practice added to the directory"
        else:
            values = {"name": data.name, "address": data.address, "gp_names": list(data.gp_names)}
            changed = [field for field, value in values.items() if getattr(practice, field) != value]
            for field in changed:
                setattr(practice, field, values[field])
            action, summary = "update", describe_changes(changed)
        session.flush()
        record_event(session, actor=user.username, entity_type="gp_practice", entity_id=data.code, action=action,
                     summary=summary)  # fmt: skip
