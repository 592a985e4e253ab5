"""Names in every script the letters print (issue 14, item 7): Latin with Vietnamese and Welsh accents,
Irish, Greek and Cyrillic come back from ``pdftotext`` exactly as typed, in embedded fonts only (no
Helvetica referenced); bold text that needs the fallback font is in its bold face; right-to-left and
any other script no bundled font draws is refused at input, naming the field and the code point,
never the value; and a letter whose text has such a character is not built."""

from __future__ import annotations

import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest

from tests.letters.cases import CASES, build, case, kinds_for
from tests.letters.test_command import letter, write
from tests.needs import needs
from triage.fields import no_control_characters
from triage.letters.fonts import FALLBACK, PRIMARY, coverage, unprintable_character
from triage.letters.particulars import Patient
from triage.letters.render import UnprintableText, markup, paragraph_styles
from triage.services.inputs import GpPracticeInput, InvalidInput, ReferralInput, parse

VIETNAMESE = ("Nguyễn Thị", "Ánh")  # given name, family name: "Nguyễn Thị Ánh"
WELSH = "Siân Ŵyn Llŷr"
IRISH = "Ó Conchobhair"
GREEK = "Αλέξανδρος Παπαδόπουλος"
CYRILLIC = "Наталья Смирнова"
ARABIC = "محمد"
HEBREW = "דוד"
NAMES = [" ".join(VIETNAMESE), WELSH, IRISH, GREEK, CYRILLIC]
NHS = "999 000 0018"


def scripts_case() -> dict[str, object]:
    """The fixture letter with a name in each script in the fields a letter prints: the person, the
    GP, the practice and its address, the screener who signs."""
    return case(
        patient={"given_name": VIETNAMESE[0], "family_name": VIETNAMESE[1], "date_of_birth": "1980-06-15",
                 "nhs_number": NHS},
        gp={"name": f"Dr {WELSH}", "practice_name": f"{IRISH} Medical Practice",
            "address_lines": [f"{CYRILLIC} House", "Hexthorpe", "Doncaster"], "postcode": "DN4 0AA"},
        screener={"name": GREEK, "role": "Psychological wellbeing practitioner"},
        phq9=21, gad7=15, previous_unhelpful_interventions=3,  # the CMHT: all three kinds of letter
    )  # fmt: skip


def poppler(tool: str) -> str:
    path = shutil.which(tool)
    needs(path is not None, f"{tool} (poppler-utils) is not installed")
    assert path is not None
    return path


def pdftotext(pdf: bytes, tmp_path: Path) -> str:
    file = tmp_path / "letter.pdf"
    file.write_bytes(pdf)
    done = subprocess.run([poppler("pdftotext"), str(file), "-"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def pdffonts(pdf: bytes, tmp_path: Path) -> list[tuple[str, str]]:
    """Each font the PDF references, with pdffonts' "emb" column (yes: embedded)."""
    file = tmp_path / "fonts.pdf"
    file.write_bytes(pdf)
    done = subprocess.run([poppler("pdffonts"), str(file)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    rows = done.stdout.splitlines()[2:]  # after the header and its rule
    # name, type (one or two words), encoding, emb, sub, uni, object, generation
    return [(row.split()[0], row.split()[-5]) for row in rows if row.strip()]


@pytest.mark.parametrize("kind", ["gp", "patient", "referral-on"])
def test_each_name_comes_back_exactly_from_pdftotext(kind: str, tmp_path: Path) -> None:
    text = " ".join(pdftotext(build(scripts_case(), kind).pdf, tmp_path).split())  # line breaks as spaces
    assert " ".join(VIETNAMESE) in text
    expected = {"gp": NAMES, "patient": [" ".join(VIETNAMESE), GREEK], "referral-on": [" ".join(VIETNAMESE), GREEK]}
    for name in expected[kind]:
        assert name in text, name
    assert "\ufffd" not in text  # no character lost to a missing glyph


def test_no_font_is_left_unembedded_in_any_letter(tmp_path: Path) -> None:
    letters = [build(scripts_case(), kind) for kind in ("gp", "patient", "referral-on")]
    letters += [build(data, kind) for data in CASES.values() for kind in kinds_for(data)]
    families = {PRIMARY.name, FALLBACK.name}
    for built in letters:
        fonts = pdffonts(built.pdf, tmp_path)
        assert fonts, "pdffonts found no font"
        for name, embedded in fonts:
            assert embedded == "yes", f"{name} is not embedded in the {built.kind} letter"
            assert name.split("+")[-1].split("-")[0] in families, name  # never Helvetica
    assert {name.split("+")[-1] for name, _ in pdffonts(letters[0].pdf, tmp_path)} == {
        "AtkinsonHyperlegible-Regular", "AtkinsonHyperlegible-Bold", "NotoSans-Regular", "NotoSans-Bold",
    }  # fmt: skip  # the name in the bold identity panel is in Noto's bold, beside its regular


def test_a_fallback_run_keeps_the_weight_of_the_text_around_it() -> None:
    styles = paragraph_styles(11)
    assert markup("Dear Nguyễn Thị", styles["body"]) == 'Dear <font face="NotoSans">Nguyễn Thị</font>'
    assert markup("Nguyễn", styles["value"]) == '<font face="NotoSans-Bold">Nguyễn</font>'  # a bold style
    assert markup("**Ŵyn** and Ŵyn", styles["body"]) == (
        '<b><font face="NotoSans-Bold">Ŵyn</font></b> and <font face="NotoSans">Ŵyn</font>'
    )
    assert markup("Alex & Sam", styles["body"]) == "Alex &amp; Sam"  # what the primary draws is left alone


def test_a_name_typed_with_combining_accents_prints_as_the_same_letters() -> None:
    decomposed = unicodedata.normalize("NFD", "Nguyễn")
    assert decomposed != "Nguyễn" and unprintable_character(decomposed) is None
    assert markup(decomposed, paragraph_styles(11)["body"]) == '<font face="NotoSans">Nguyễn</font>'


def test_coverage_is_read_from_the_bundled_fonts() -> None:
    primary, fallback = coverage()
    assert {chr(c) for c in range(0x20, 0x7F)} <= primary  # unprintable_character's ASCII fast path
    assert all(char in primary or char in fallback for name in NAMES for char in name)
    assert "ễ" not in primary and "ễ" in fallback and "ŵ" in fallback and "Ж" in fallback
    assert not any(char in fallback for char in ARABIC + HEBREW + "王")


@pytest.mark.parametrize(
    ("name", "code_point", "says"),
    [
        (ARABIC, "U+0645", "right-to-left writing (such as Arabic or Hebrew) is not yet supported"),
        (HEBREW, "U+05D3", "right-to-left writing (such as Arabic or Hebrew) is not yet supported"),
        ("王芳", "U+738B", "its fonts have Latin (with Vietnamese and Welsh accents), Greek and Cyrillic"),
        ("प्रिया", "U+092A", "its fonts have Latin (with Vietnamese and Welsh accents), Greek and Cyrillic"),
    ],
    ids=["arabic", "hebrew", "chinese", "devanagari"],
)
def test_a_name_the_letters_cannot_print_is_refused_at_input_naming_the_field(
    name: str, code_point: str, says: str
) -> None:
    referral = {"nhs_number": NHS, "given_name": "Sam", "family_name": name, "date_of_birth": "1980-01-02",
                "received_on": "2024-01-02", "source": "gp"}  # fmt: skip
    with pytest.raises(InvalidInput) as caught:
        parse(ReferralInput, referral)
    (problem,) = caught.value.problems
    assert problem.startswith("family_name: cannot be printed on a letter: ") and says in problem
    assert f"(it has {code_point})" in problem and name not in problem
    with pytest.raises(InvalidInput) as practice:  # the directory: a practice name, its address, a GP
        parse(GpPracticeInput, {"code": "A81001", "name": "Surgery", "address": f"1 Road\n{name}"})
    assert practice.value.problems[0].startswith("address: cannot be printed") and name not in str(practice.value)
    with pytest.raises(ValueError, match=code_point.replace("+", r"\+")) as letter_input:  # `triage letter`
        Patient.model_validate({"given_name": name, "family_name": "Sam", "date_of_birth": "1980-01-02",
                                "nhs_number": NHS})  # fmt: skip
    assert name not in str(letter_input.value)


def test_triage_letter_refuses_an_arabic_name_naming_the_field(tmp_path: Path) -> None:
    data = scripts_case()
    data["patient"] = {**data["patient"], "family_name": ARABIC}  # type: ignore[dict-item]
    out = tmp_path / "letter.pdf"
    done = letter(str(write(tmp_path, data)), "--out", str(out))
    assert done.returncode == 2 and not out.exists()
    assert "patient.family_name: cannot be printed on a letter" in done.stderr and "U+0645" in done.stderr
    assert ARABIC not in done.stderr and ARABIC not in done.stdout


def test_the_control_check_still_comes_first() -> None:
    with pytest.raises(ValueError, match="control or invisible formatting characters"):
        no_control_characters("\u202e" + ARABIC)


def test_letter_text_no_font_draws_stops_the_build_rather_than_print_a_box() -> None:
    # Every typed field is refused at input; this is the guard behind it (a template, a stored note).
    with pytest.raises(UnprintableText, match=r"U\+738B"):
        markup("Seen by 王", paragraph_styles(11)["body"])
