"""Import files as spreadsheets save them (issue 13, item 20): UTF-8 with or without a byte order
mark, UTF-16 with one (little- and big-endian, and Excel's tab-separated "Unicode Text") give the
same rows; Windows-1252 (Excel's plain "CSV") and UTF-16 without a mark are refused with how to save
the file from Excel, and nothing is written."""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.store.conftest import make_nhs_number
from tests.users import as_admin, as_pwp
from triage.services.directory import import_practices_csv, list_practices
from triage.services.inputs import InvalidInput
from triage.services.transfer import TransferError, import_file, read_records
from triage.store import open_store
from triage.store.models import Person, Referral

EXCEL_HINT = '"CSV UTF-8 (Comma delimited) (*.csv)"'
NAMES = [("Zoë", "Ó Súilleabháin"), ("Łukasz", "Nguyễn"), ("Mehr\u200cnaz", "Çelik")]
FIELDS = ["nhs_number", "given_name", "family_name", "date_of_birth", "received_on", "source", "notes"]


def table(delimiter: str = ",") -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")  # Excel ends lines with CR LF
    writer.writerow(FIELDS)
    for serial, (given, family) in enumerate(NAMES, start=1):
        note = "seen at the café, then phoned"  # a comma in a cell: quoted in either file
        writer.writerow([make_nhs_number(serial), given, family, "1980-01-02", "2024-03-04", "gp", note])
    return out.getvalue()


SAVED_AS = {
    "UTF-8": table().encode("utf-8"),
    "UTF-8 with BOM (Excel's CSV UTF-8)": codecs.BOM_UTF8 + table().encode("utf-8"),
    "UTF-16 LE with BOM": codecs.BOM_UTF16_LE + table().encode("utf-16-le"),
    "UTF-16 BE with BOM": codecs.BOM_UTF16_BE + table().encode("utf-16-be"),
    "Excel's Unicode Text (UTF-16 LE, tab-separated)": codecs.BOM_UTF16_LE + table("\t").encode("utf-16-le"),
}
REFUSED = {
    "Windows-1252 (Excel's CSV)": table().encode("cp1252", errors="replace"),
    "UTF-16 LE without BOM": table().encode("utf-16-le"),
    "UTF-16 BE without BOM": table().encode("utf-16-be"),
    "Latin-1 (ISO 8859-1)": table().encode("latin-1", errors="replace"),
}


def stored(path: Path) -> list[tuple[str, str, str, str | None]]:
    with open_store(path) as store, store.read() as session:
        rows = session.execute(
            select(Person.nhs_number, Person.given_name, Person.family_name, Referral.notes)
            .join(Referral, Referral.person_id == Person.id)
            .order_by(Person.nhs_number)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


@pytest.mark.parametrize("saved_as", list(SAVED_AS))
def test_each_unicode_encoding_excel_saves_imports_the_same_rows(tmp_path: Path, saved_as: str) -> None:
    raw = SAVED_AS[saved_as]
    assert read_records(raw) == read_records(SAVED_AS["UTF-8"])
    path = tmp_path / "triage.db"
    with open_store(path) as store:
        report = import_file(store, as_pwp("admin"), raw)
    assert (report.written, report.problems) == (3, [])
    rows = stored(path)
    assert [(given, family) for _, given, family, _ in rows] == NAMES
    assert rows[0][3] is not None and "café" in rows[0][3]


@pytest.mark.parametrize("saved_as", list(REFUSED))
def test_other_encodings_are_refused_with_how_to_save_from_excel(tmp_path: Path, saved_as: str) -> None:
    path = tmp_path / "triage.db"
    with open_store(path) as store, pytest.raises(TransferError) as caught:
        import_file(store, as_pwp("admin"), REFUSED[saved_as])
    message = str(caught.value)
    assert message.startswith("the file is not UTF-8 or UTF-16 text") and EXCEL_HINT in message
    assert not any(name in message for pair in NAMES for name in pair)
    assert stored(path) == []


@pytest.mark.parametrize("saved_as", ["UTF-8", "UTF-16 LE with BOM", "Unicode Text", "Windows-1252"])
def test_the_gp_practice_directory_reads_the_same_encodings(tmp_path: Path, saved_as: str) -> None:
    text = "code,name,gp_names\r\nA81001,Clínica Ñandú,Dr Zoë Kaur\r\n"
    raw = {
        "UTF-8": text.encode("utf-8"),
        "UTF-16 LE with BOM": codecs.BOM_UTF16_LE + text.encode("utf-16-le"),
        "Unicode Text": codecs.BOM_UTF16_LE + text.replace(",", "\t").encode("utf-16-le"),
        "Windows-1252": text.encode("cp1252"),
    }[saved_as]
    (tmp_path / "practices.csv").write_bytes(raw)
    with open_store(tmp_path / "triage.db") as store:
        if saved_as == "Windows-1252":
            with pytest.raises(InvalidInput) as caught:
                import_practices_csv(store, as_admin("admin"), tmp_path / "practices.csv")
            assert caught.value.problems[0].startswith("file: is not UTF-8") and EXCEL_HINT in caught.value.problems[0]
            assert list_practices(store) == []
            return
        assert import_practices_csv(store, as_admin("admin"), tmp_path / "practices.csv") == 1
        (practice,) = list_practices(store)
    assert (practice.name, practice.gp_names) == ("Clínica Ñandú", ("Dr Zoë Kaur",))
