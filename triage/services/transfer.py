"""Referral import and export files: a JSON array of objects, or CSV with a header row.

Import fields: ``nhs_number``, ``given_name``, ``family_name``, ``date_of_birth``, ``received_on``
(ISO dates), ``source`` (required); ``gp_practice_code``, ``phone``, ``postcode``,
``interpreter_language``, ``notes``, ``returned_from``, ``address_line1..3``, ``referring_gp``,
``letter_to_practice``, ``reference`` (optional; empty or null = not given). A ``reference`` is kept as
the exporting store gave it, unless it has this store's own prefix or is already here: that row is
refused (triage/services/references.py), and the file imports once each store has its own prefix.
Export writes the same fields plus ``id``, ``status``, ``route`` and ``step`` (the latest confirmed
decision) and the journey's fields (``JOURNEY_FIELDS``; JSON also ``contacts`` and the latest screening's
``assessment`` content); import ignores them,
so an export can be imported again (as new referrals).

Rows are numbered from 1 in file order (for CSV, not counting the header). Problems name the row and
the field, never a value: a file of referrals is full of identifiers.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any, Literal, TextIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from triage.input_limits import MAX_IMPORT_BYTES, json_number_hooks, oversized
from triage.services.export_file import export_stream, remove_leftovers
from triage.services.import_reading import DecodedText, json_array_items
from triage.services.import_reading import TransferError as TransferError  # raised by every function here
from triage.services.inputs import InvalidInput, ReferralInput, parse
from triage.services.permissions import User, require
from triage.services.referrals import add_referral_rows, audit_import
from triage.services.spreadsheet_csv import SpreadsheetWriter, delimiter, restore
from triage.store.audit import record_event
from triage.store.database import Store
from triage.store.models import ContactEvent, Person, Referral, Screening

Format = Literal["json", "csv"]
IMPORT_FIELDS = tuple(ReferralInput.model_fields)  # nhs_number ... returned_from, in the model's order
# The journey's dates and close reason (migration 0012), the team and clinician (0016) and the
# inappropriate-referral flag (0018): exported, never imported (the journey of a referral imported into
# another store starts again there, in that store's teams). The JSON export also lists each referral's
# contact steps (``contacts``); a CSV row cannot hold a list.
JOURNEY_FIELDS = (
    "opted_in_on", "first_contact_on", "treatment_started_on", "closed_reason", "closed_note", "team_code",
    "assigned_to", "inappropriate_reason", "inappropriate_referrer", "inappropriate_note", "inappropriate_by",
)  # fmt: skip
EXPORT_ONLY_FIELDS = ("id", "status", "route", "step", *JOURNEY_FIELDS, "contacts", "assessment")
EXPORT_FIELDS = ("id", *IMPORT_FIELDS, "status", "route", "step", *JOURNEY_FIELDS)  # a CSV export's columns
JSON_EXPORT_FIELDS = (*EXPORT_FIELDS, "contacts", "assessment")  # a JSON export's keys, in this order
# The latest screening's assessment content beyond the matrix (issue 15 item 7), in the JSON export
# until the full export (issue 17) carries every screening: nothing recorded is missing in between.
ASSESSMENT_FIELDS = ("screened_at", "screened_by", "problem_descriptor", "secondary_descriptors", "long_term_conditions",
                     "medically_unexplained_symptoms", "mus_kinds", "previous_interventions",
                     "discuss_in_supervision", "assessment")  # fmt: skip
CONTACT_FIELDS = ("kind", "occurred_at", "channel", "outcome", "recorded_by")
TOO_LARGE = f"the file is larger than {MAX_IMPORT_BYTES // 1_000_000} MB, the most one import takes; split it"
BATCH_ROWS = 2000  # valid rows written at a time, in the import's one transaction
MAX_LISTED_PROBLEMS = 1000  # problems kept for the report; the rows beyond are counted, not listed


@dataclass(frozen=True)
class Unreadable:
    """A record that cannot even be offered to validation; ``reason`` names no value."""

    reason: str


@dataclass
class ImportReport:
    """The outcome of an import: ``written`` is 0 when nothing was written. ``bad_rows`` counts every
    invalid or refused row; ``problems`` lists the first ``MAX_LISTED_PROBLEMS`` of their problems."""

    rows: int = 0
    written: int = 0
    duplicates: int = 0
    bad_rows: int = 0
    problems: list[tuple[int, str]] = field(default_factory=list)  # (row number, "field: what is wrong")

    @property
    def unlisted_rows(self) -> int:
        """Bad rows with no problem in ``problems`` (beyond the listing's limit)."""
        return self.bad_rows - len({number for number, _ in self.problems})

    def bad_row(self, number: int, problems: Iterable[str]) -> None:
        self.bad_rows += 1
        for problem in problems:
            if len(self.problems) < MAX_LISTED_PROBLEMS:
                self.problems.append((number, problem))


# --- reading -------------------------------------------------------------------------------------


def read_records(raw: bytes, fmt: Format | None = None) -> list[Any]:
    """The file's records as dicts of field -> value, in file order. ``fmt`` None: a file whose first
    non-blank character is ``[`` or ``{`` is JSON, anything else CSV. UTF-8 (with or without a byte
    order mark) and UTF-16 with one are read; anything else is refused with how to save it from Excel."""
    return list(iter_records(io.BytesIO(raw), fmt))


def iter_records(stream: IO[bytes], fmt: Format | None = None, *, limit: int | None = None) -> Iterator[Any]:
    """``read_records`` a record at a time from an open binary file, in memory that does not grow
    with the file (triage.services.import_reading). More than ``limit`` bytes is a TransferError.
    Nothing is read until the first record is asked for."""
    text = DecodedText(stream, limit=limit, too_large=TOO_LARGE)
    try:
        if fmt is None:
            fmt = "json" if text.first_character() in ("[", "{") else "csv"
        if fmt == "json":
            yield from json_array_items(text, _JSON)
        else:
            yield from _csv_records(text)
    finally:
        text.close()


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any] | Unreadable:
    # json keeps the last of two equal keys; a referral with two NHS numbers must not be guessed at.
    result = dict(pairs)
    return Unreadable("a field is given more than once") if len(result) != len(pairs) else result


_JSON = json.JSONDecoder(object_pairs_hook=_object, **json_number_hooks())


def _csv_records(text: DecodedText) -> Iterator[dict[str, Any] | Unreadable]:
    # Comma-separated, or tab-separated as Excel's "Unicode Text" is: told apart by the header row.
    first = text.line(1)
    text.push_back(first)
    reader = csv.reader(text.lines(), strict=True, delimiter=delimiter(first))
    try:
        header = next(reader, None)
        if header is None:
            raise TransferError("the CSV file is empty: it needs a header row naming the fields")
        names = [name.strip() for name in header]
        unknown = [n for n in names if n not in IMPORT_FIELDS and n not in EXPORT_ONLY_FIELDS]
        if unknown or len(set(names)) != len(names):
            # The names are not echoed: a file without a header would put a person's details here.
            raise TransferError(
                "the CSV header must name each column once, from: " + ", ".join(IMPORT_FIELDS + EXPORT_ONLY_FIELDS)
                + " (is the header row missing?)"
            )  # fmt: skip
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                yield Unreadable("the row is empty")
            elif len(cells) != len(names):
                yield Unreadable(f"has {len(cells)} cells but the header names {len(names)}")
            else:
                yield dict(zip(names, map(restore, cells), strict=True))
    except csv.Error as exc:
        raise TransferError(f"the CSV file cannot be read (line {reader.line_num}: {_csv_reason(exc)})") from None


def _csv_reason(exc: csv.Error) -> str:
    # csv's messages describe the syntax ("unexpected end of data"), never the cell's content.
    return str(exc).split("'")[0].strip() or "malformed"


def validate_record(record: Any) -> ReferralInput | list[str]:
    """One record as a ReferralInput, or its problems (``field: what is wrong``, no values)."""
    if isinstance(record, Unreadable):
        return [record.reason]
    too_big = oversized(record, EXPORT_FIELDS)
    if too_big is not None:  # a number Python cannot convert, or a text no field allows
        return [too_big.removeprefix("input: ")]
    if isinstance(record, dict):
        record = {k: v for k, v in record.items() if k not in EXPORT_ONLY_FIELDS}
    try:
        return parse(ReferralInput, record)
    except InvalidInput as exc:
        return list(exc.problems)


def validate_records(records: Iterable[Any]) -> tuple[list[tuple[int, ReferralInput]], list[tuple[int, str]]]:
    """(valid rows, problems), each row numbered from 1."""
    valid: list[tuple[int, ReferralInput]] = []
    problems: list[tuple[int, str]] = []
    for number, record in enumerate(records, start=1):
        result = validate_record(record)
        if isinstance(result, ReferralInput):
            valid.append((number, result))
        else:
            problems.extend((number, problem) for problem in result)
    return valid, problems


# --- importing -----------------------------------------------------------------------------------


def import_file(
    store: Store, user: User, raw: bytes, *, fmt: Format | None = None, skip_invalid: bool = False
) -> ImportReport:
    """``import_stream`` of a file already in memory (refused whole if over MAX_IMPORT_BYTES)."""
    require(user, "import", store=store)
    if len(raw) > MAX_IMPORT_BYTES:
        raise TransferError(TOO_LARGE)
    return import_stream(store, user, io.BytesIO(raw), fmt=fmt, skip_invalid=skip_invalid)


_NO_RECORD = object()


class _NothingWritten(Exception):
    """Ends the import's transaction with a rollback."""


def import_stream(
    store: Store, user: User, stream: IO[bytes], *, fmt: Format | None = None, skip_invalid: bool = False
) -> ImportReport:
    """Import an open binary file, read and validated a row at a time and written in batches inside
    ONE transaction, audited as one import: memory does not grow with the file, and the import is
    still all or nothing. Without ``skip_invalid`` a single invalid or refused row means nothing is
    written (every bad row is reported, by row number and field); with it the valid rows are. Raises
    TransferError, with nothing written, for a file that is not a readable array/table at all, even
    at its last line, or of more than MAX_IMPORT_BYTES. Needs ``import``, checked before reading."""
    require(user, "import", store=store)
    records = iter_records(stream, fmt, limit=MAX_IMPORT_BYTES)
    first = next(records, _NO_RECORD)  # an unreadable header or encoding is refused before the store is locked
    report = ImportReport()
    if first is _NO_RECORD:
        return report
    try:
        with store.write() as session:
            _import_rows(session, user.username, itertools.chain([first], records), report, skip_invalid)
            if report.written == 0 or (report.bad_rows and not skip_invalid):
                raise _NothingWritten()
            audit_import(session, user.username, report.written, report.duplicates, skipped=report.bad_rows)
    except _NothingWritten:
        report.written = report.duplicates = 0
    report.problems.sort(key=lambda item: item[0])
    return report


def _import_rows(
    session: Session, actor: str, records: Iterator[Any], report: ImportReport, skip_invalid: bool
) -> None:
    # Each batch's people and open referrals are looked up in the database, where the file's earlier
    # batches already are (same transaction): duplicates and renames across batches come out as in one.
    batch: list[tuple[int, ReferralInput]] = []
    writing = True  # without skip_invalid, an invalid row ends the writing (it will be rolled back)

    def write() -> None:
        created, refused = add_referral_rows(session, batch, actor)
        report.written += len(created)
        report.duplicates += sum(1 for item in created if item.is_duplicate)
        for number, exc in refused:
            report.bad_row(number, [str(exc)])
        batch.clear()

    for number, record in enumerate(records, start=1):
        report.rows = number
        result = validate_record(record)
        if not isinstance(result, ReferralInput):
            report.bad_row(number, result)
            writing = writing and skip_invalid
        elif writing:
            batch.append((number, result))
            if len(batch) >= BATCH_ROWS:
                write()
    if writing and batch:
        write()


# --- writing -------------------------------------------------------------------------------------


@contextmanager
def _export_snapshot(store: Store, user: User) -> Iterator[tuple[int, Iterator[dict[str, Any]]]]:
    """(how many referrals, the referrals as export records) from one read transaction: the count is
    known, and audited, before the first record is written. Needs ``export``."""
    require(user, "export", store=store)
    with store.read() as session:
        count = int(session.scalar(select(func.count()).select_from(Referral)) or 0)
        yield count, _export_rows(session)


def export_records(store: Store, user: User) -> Iterator[dict[str, Any]]:
    """Every referral, oldest first (received, then created, then id), as export records: one
    consistent snapshot, streamed in batches. Needs ``export``; the callers below audit it."""
    with _export_snapshot(store, user) as (_, records):
        yield from records


def _export_rows(session: Session) -> Iterator[dict[str, Any]]:
    query = (
        select(Referral, Person.nhs_number, Person.given_name, Person.family_name, Person.date_of_birth)
        .join(Person, Person.id == Referral.person_id)
        .order_by(Referral.received_on, Referral.created_at, Referral.id)
        .execution_options(yield_per=BATCH_ROWS)
    )
    for batch in session.execute(query).partitions():
        ids = [row[0].id for row in batch]
        contacts, assessments = _contacts_of(session, ids), _assessments_of(session, ids)
        for referral, nhs, given, family, born in batch:
            yield _export_record(referral, nhs, given, family, born) | {
                "contacts": contacts.get(referral.id, []),
                "assessment": assessments.get(referral.id),
            }
            session.expunge(referral)


def _assessments_of(session: Session, referral_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Each referral's latest screening's assessment content (a screening redone replaces the earlier
    one, as the record shows it): one query a batch, the latest last."""
    query = (
        select(Screening.referral_id, *(getattr(Screening, name) for name in ASSESSMENT_FIELDS))
        .where(Screening.referral_id.in_(referral_ids))
        .order_by(Screening.referral_id, Screening.screened_at, Screening.id)
    )
    return {referral_id: {n: _iso(v) for n, v in zip(ASSESSMENT_FIELDS, values, strict=True)}
            for referral_id, *values in session.execute(query)}  # fmt: skip


def _contacts_of(session: Session, referral_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """The contact steps of a batch of referrals, in the order they happened: one query a batch."""
    found: dict[str, list[dict[str, Any]]] = {}
    query = (
        select(ContactEvent.referral_id, *(getattr(ContactEvent, name) for name in CONTACT_FIELDS))
        .where(ContactEvent.referral_id.in_(referral_ids))
        .order_by(ContactEvent.referral_id, ContactEvent.occurred_at, ContactEvent.id)
    )
    for referral_id, *values in session.execute(query):
        found.setdefault(referral_id, []).append({n: _iso(v) for n, v in zip(CONTACT_FIELDS, values, strict=True)})
    return found


def _export_record(referral: Referral, nhs: str, given: str, family: str, born: date) -> dict[str, Any]:
    return {
        "id": referral.id,
        "nhs_number": nhs,
        "given_name": given,
        "family_name": family,
        "date_of_birth": born.isoformat(),
        "received_on": referral.received_on.isoformat(),
        "source": referral.source,
        "gp_practice_code": referral.gp_practice_code,
        "phone": referral.phone,
        "postcode": referral.postcode,
        "interpreter_language": referral.interpreter_language,
        "notes": referral.notes,
        "returned_from": referral.returned_from,
        "address_line1": referral.address_line1,
        "address_line2": referral.address_line2,
        "address_line3": referral.address_line3,
        "referring_gp": referral.referring_gp,
        "letter_to_practice": referral.letter_to_practice,
        "reference": referral.reference,
        "status": referral.status,
        "route": referral.current_route,
        "step": referral.current_step,
        **{name: _iso(getattr(referral, name)) for name in JOURNEY_FIELDS},
    }


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value  # a datetime is a date too


def write_records(records: Iterator[dict[str, Any]], stream: IO[str], fmt: Format) -> int:
    """Write ``records`` to ``stream``; returns how many. CSV goes through the spreadsheet writer
    (formula cells neutralised; ``read_records`` undoes it)."""
    count = 0
    if fmt == "csv":
        writer = SpreadsheetWriter(stream, EXPORT_FIELDS)
        for record in records:
            writer.row(record[name] for name in EXPORT_FIELDS)
            count += 1
        return count
    stream.write("[")
    for record in records:
        stream.write(("," if count else "") + "\n  " + json.dumps(record, ensure_ascii=False))
        count += 1
    stream.write("\n]\n" if count else "]\n")
    return count


def export_to_stream(store: Store, user: User, stream: TextIO, fmt: Format) -> int:
    """Export to an open stream (standard output). Audited before the first byte is written (who, how
    many, in which format, to standard output), and again if the writing stops part way."""
    return _export(store, user, stream, fmt, "standard output")


def export_to_file(store: Store, user: User, path: Path, fmt: Format) -> int:
    """Export to ``path``, audited before the first byte is written. The file appears whole or not at
    all, and an unfinished one does not outlive the process (triage.services.export_file); a failed
    export leaves whatever was at ``path`` before. Part files left beside ``path`` by an export that
    was killed are removed first."""
    require(user, "export", store=store)
    path = path.expanduser().absolute()
    if not path.parent.is_dir():
        raise TransferError(f"the folder {path.parent} does not exist")
    if path.is_dir():
        raise TransferError(f"{path} is a folder; give a file name")
    remove_leftovers(path)
    with export_stream(path, encoding="utf-8", newline="") as stream:
        return _export(store, user, stream, fmt, str(path))


def _export(store: Store, user: User, stream: IO[str], fmt: Format, where: str) -> int:
    with _export_snapshot(store, user) as (total, records):
        _audit_export(store, user, f"exporting {total} referrals ({fmt}) to {where}")
        written = 0

        def counted() -> Iterator[dict[str, Any]]:
            nonlocal written
            for record in records:
                yield record
                written += 1

        try:
            write_records(counted(), stream, fmt)
            stream.flush()
        except BaseException as exc:
            _audit_export(store, user, f"export to {where} stopped after {written} of {total} referrals "
                          f"({type(exc).__name__})")  # fmt: skip
            raise
    return written


def _audit_export(store: Store, user: User, summary: str) -> None:
    with store.write() as session:
        record_event(session, actor=user.username, entity_type="database", entity_id="referrals", action="export",
                     summary=summary)  # fmt: skip
