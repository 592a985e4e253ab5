"""``triage --self-test``: proves an installed copy (above all the frozen one in ``dist/triage/``) works.

In a temporary data folder, removed afterwards, it:

1. creates a store and runs the migrations (then the integrity check and the audit chain);
2. starts the main window on that store, offscreen (fonts, theme, referral list);
3. loads the ruleset in force, routes all 2,187 rating combinations and compares them with the
   golden table shipped beside the ruleset;
4. builds each kind of letter (GP, patient, referral-on) for a built-in synthetic case;
5. renders page 1 of the GP letter to an image with QtPdf and checks it is not blank.

Each step prints one line as soon as it is done (so a benchmark can time the main window from
outside); the last line says ``self-test passed`` (exit 0) or ``self-test FAILED: ...`` (exit 1).
A failure is reported as a sentence, never a traceback. It runs offscreen (``QT_QPA_PLATFORM`` is
set to ``offscreen`` unless already set), opens no network connection and reads no user settings.
The synthetic case is not a person: its NHS number is in the 999 test range.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from triage import __version__

EXIT_OK, EXIT_FAILED = 0, 1
PROGRAM = "triage self-test"
ACTOR = "self-test"
# A fresh password each run: the store lives only in a temporary folder removed at the end.
SELF_TEST_PASSWORD = secrets.token_urlsafe(24)
LETTER_DATE = date(2025, 3, 3)
# Page 1 must look like a printed letter: this share of its pixels clearly darker than the paper.
MIN_INK, MAX_INK = 0.002, 0.5

# The built-in synthetic case: complexity high sends it to the CMHT, so all three letters apply.
# NHS number 999 000 0018 is in the test range (valid check digit, never issued to a person).
SYNTHETIC_CASE: dict[str, Any] = {
    "phq9": [2, 1, 2, 1, 1, 1, 1, 1, 0],
    "gad7": [1, 2, 1, 1, 1, 1, 0],
    "chronicity": "medium",
    "complexity": "high",
    "impairment": "medium",
    "substance_use": "low",
    "risk": "low",
    "previous_unhelpful_interventions": 1,
    "patient": {"given_name": "Sam", "family_name": "Selftest", "date_of_birth": "1980-06-15", "nhs_number": "999 000 0018"},
    "gp": {
        "name": "Dr A Example",
        "practice_name": "Example Medical Practice",
        "address_lines": ["1 Example Road", "Doncaster"],
        "postcode": "DN1 1AA",
    },
    "referral": {"received_on": "2025-02-20", "source": "gp", "id": "SELFTEST-1"},
    "screener": {"name": "Self Test", "role": "Psychological wellbeing practitioner"},
    "letter_date": LETTER_DATE.isoformat(),
}
LETTER_KINDS = ("gp", "patient", "referral-on")


class StepFailed(Exception):
    """A check that did not hold; the message is the sentence to report."""


@dataclass
class _Run:
    stream: TextIO
    folder: Path
    started: float = field(default_factory=time.perf_counter)
    failures: list[str] = field(default_factory=list)
    store: Any = None
    user: Any = None
    letters: dict[str, Any] = field(default_factory=dict)

    def say(self, line: str) -> None:
        try:
            self.stream.write(line + "\n")
            self.stream.flush()
        except (AttributeError, OSError, ValueError):  # no usable stdout (a windowed app on Windows)
            pass


def run_self_test(stream: TextIO | None = None) -> int:
    """Run every step, report each on ``stream`` (default: standard output at call time); 0 or 1."""
    out = stream if stream is not None else sys.stdout
    began = time.perf_counter()
    try:
        folder = Path(tempfile.mkdtemp(prefix="triage-selftest-"))
    except OSError as exc:
        _write(out, f"{PROGRAM} FAILED: no temporary data folder can be made ({exc.strerror or type(exc).__name__})")
        return EXIT_FAILED
    run = _Run(out, folder, began)
    run.say(f"{PROGRAM}: triage {__version__}, {'frozen' if getattr(sys, 'frozen', False) else 'Python'} "
            f"{sys.version.split()[0]} on {sys.platform}")  # fmt: skip
    try:
        steps: list[tuple[str, Callable[[_Run], str], tuple[str, ...]]] = [
            ("store", _store, ()),
            ("main window", _main_window, ("store",)),
            ("matrix", _matrix, ()),
            ("letters", _letters, ()),
            ("render", _render, ("letters",)),
        ]
        failed: set[str] = set()
        for name, step, needs in steps:
            missing = [n for n in needs if n in failed]
            if missing:
                failed.add(name)
                run.say(f"  {name:<12} NOT RUN: needs {', '.join(missing)}")
                continue
            t0 = time.perf_counter()
            try:
                detail = step(run)
            except StepFailed as exc:
                failed.add(name)
                run.failures.append(f"{name}: {exc}")
                run.say(f"  {name:<12} FAILED: {exc}")
            except Exception as exc:  # an unexpected error is still one line, never a traceback
                failed.add(name)
                message = f"{name}: unexpected {type(exc).__name__}: {_first_line(exc)}"
                run.failures.append(message)
                run.say(f"  {name:<12} FAILED: unexpected {type(exc).__name__}: {_first_line(exc)}")
            else:
                run.say(f"  {name:<12} ok   {detail} [{time.perf_counter() - t0:.2f} s]")
    finally:
        _close_store(run)
        shutil.rmtree(folder, ignore_errors=True)
    total = time.perf_counter() - began
    if run.failures:
        run.say(f"{PROGRAM} FAILED ({len(run.failures)} of {len(steps)} steps): " + "; ".join(run.failures))
        return EXIT_FAILED
    run.say(f"{PROGRAM} passed: {len(steps)} steps in {total:.1f} s; the temporary data folder was removed")
    return EXIT_OK


# --- the steps ---------------------------------------------------------------------------------------


def _store(run: _Run) -> str:
    from triage.store import head_revision, schema_revision, verify_database
    from triage.store.errors import StoreError

    path = run.folder / "triage.db"
    try:
        run.store, run.user = _create_store(path)
        revision = schema_revision(run.store.engine)
        problems = verify_database(run.store)
    except StoreError as exc:
        raise StepFailed(str(exc)) from None
    if revision != head_revision():
        raise StepFailed(f"the new store is at schema revision {revision}, not {head_revision()}")
    if problems:
        raise StepFailed("the new store is not sound: " + "; ".join(problems))
    return f"new encrypted SQLite store migrated to {revision}; integrity check and audit chain sound"


def _create_store(path: Path) -> tuple[Any, Any]:
    """The store the app creates on first run: encrypted, with a first admin, then logged in to.
    A store whose file starts with SQLite's plain header is not encrypted and fails the step."""
    from triage.services.accounts import initialise_store, open_authenticated

    initialise_store(path, ACTOR, "Self Test", SELF_TEST_PASSWORD)
    if path.read_bytes()[:16] == b"SQLite format 3\x00":
        raise StepFailed("the new store is not encrypted (its file starts with the plain SQLite header)")
    return open_authenticated(path, ACTOR, SELF_TEST_PASSWORD)


def _main_window(run: _Run) -> str:
    app = _qt_application()
    from PySide6.QtWidgets import QApplication

    if not isinstance(app, QApplication):
        raise StepFailed("a non-widget Qt application already exists in this process")
    from triage.rules.ruleset import default_ruleset
    from triage.settings import ServiceSettings
    from triage.ui.app import session_window
    from triage.ui.theme import FONT_FAMILY, apply_theme

    with _isolated_environment(run.folder):
        apply_theme(app)
        window = session_window(run.store, run.user, default_ruleset(), ServiceSettings())
    try:
        window.show()
        app.processEvents()
        if not window.isVisible():
            raise StepFailed("the main window did not show")
        family = app.font().family()
        if family != FONT_FAMILY:
            raise StepFailed(f"the bundled font {FONT_FAMILY} was not loaded (the app fell back to {family})")
        shown = f"main window shown offscreen, {family} font"
    finally:
        window.close()
        window.deleteLater()
        app.processEvents()
    return shown


def _matrix(run: _Run) -> str:
    from triage.rules.golden import compare_golden
    from triage.rules.ruleset import RulesetError, default_ruleset

    try:
        ruleset = default_ruleset()
    except RulesetError as exc:
        raise StepFailed(f"the ruleset {exc.source} cannot be used: " + "; ".join(exc.problems)) from None
    golden = golden_table_path(ruleset.id)
    try:
        expected = golden.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise StepFailed(f"the golden table {golden.name} cannot be read ({type(exc).__name__})") from None
    problems = compare_golden(ruleset, expected)
    if problems:
        rows = ", ".join(p.split(":", 1)[0] for p in problems[:5]) + (" ..." if len(problems) > 5 else "")
        raise StepFailed(f"{len(problems)} rows differ from {golden.name} ({rows}); "
                         f"ruleset {ruleset.id} {ruleset.version} does not route as reviewed")  # fmt: skip
    combinations = expected.rstrip("\n").count("\n")
    return f"{combinations} combinations match {golden.name} (ruleset {ruleset.id} {ruleset.version})"


def golden_table_path(ruleset_id: str) -> Path:
    """The reviewed golden table shipped beside the ruleset."""
    from triage.resources import resource_path

    return resource_path("rules", f"{ruleset_id}.golden.tsv")


def _letters(run: _Run) -> str:
    from triage.letters import LetterInputError, LetterTemplateError
    from triage.letters.command import letter_from_request, parse_letter_input
    from triage.rules.ruleset import default_ruleset

    try:
        request = parse_letter_input(SYNTHETIC_CASE)
        ruleset = default_ruleset()
        for kind in LETTER_KINDS:
            _, letter = letter_from_request(request, kind, ruleset, LETTER_DATE)  # type: ignore[arg-type]
            if not letter.pdf.startswith(b"%PDF-") or letter.pages < 1:
                raise StepFailed(f"the {kind} letter is not a PDF with pages")
            run.letters[kind] = letter
    except LetterInputError as exc:
        raise StepFailed("the synthetic case was refused: " + "; ".join(exc.problems)) from None
    except LetterTemplateError as exc:
        raise StepFailed(f"the letter templates {exc.source} cannot be used: " + "; ".join(exc.problems)) from None
    return ", ".join(f"{kind} ({run.letters[kind].pages} p)" for kind in LETTER_KINDS) + " built"


def _render(run: _Run) -> str:
    _qt_application()
    try:
        from PySide6.QtPdf import QPdfDocument
    except ImportError:
        raise StepFailed("QtPdf is not installed (package pyside6-pdf): letters cannot be previewed") from None
    from PySide6.QtCore import QSize, Qt
    from PySide6.QtGui import QImage, QPainter

    pdf = run.folder / "gp-letter.pdf"
    pdf.write_bytes(run.letters["gp"].pdf)
    document = QPdfDocument(None)
    try:
        error = document.load(str(pdf))
        if error != QPdfDocument.Error.None_:
            raise StepFailed(f"QtPdf cannot open the GP letter ({error.name})")
        points = document.pagePointSize(0)
        width = 600
        height = round(width * points.height() / points.width())
        image = document.render(0, QSize(width, height))
    finally:
        document.close()
    if image.isNull():
        raise StepFailed("page 1 of the GP letter rendered to no image")
    # QtPdf leaves unpainted paper transparent: lay the page on white, as a printer would.
    paper = QImage(image.size(), QImage.Format.Format_RGB32)
    paper.fill(Qt.GlobalColor.white)
    painter = QPainter(paper)
    painter.drawImage(0, 0, image)
    painter.end()
    ink = _ink(paper.convertToFormat(QImage.Format.Format_Grayscale8))
    if ink < MIN_INK:
        raise StepFailed(f"page 1 of the GP letter rendered blank ({ink:.2%} ink)")
    if ink > MAX_INK:
        raise StepFailed(f"page 1 of the GP letter rendered mostly dark ({ink:.0%} ink): not a letter")
    return f"page 1 of the GP letter rendered {image.width()}x{image.height()}, {ink:.1%} ink"


# --- helpers -------------------------------------------------------------------------------------------


def _ink(gray: Any) -> float:
    """The share of pixels clearly darker than white paper, in an 8-bit grayscale QImage."""
    width, height, stride = gray.width(), gray.height(), gray.bytesPerLine()
    data = bytes(gray.constBits())
    light = bytes(range(160, 256))
    dark = sum(len(data[row * stride : row * stride + width].translate(None, light)) for row in range(height))
    return dark / (width * height)


def _qt_application() -> Any:
    """The process's QApplication, created offscreen unless a platform was chosen."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "triage"])


@contextmanager
def _isolated_environment(folder: Path) -> Iterator[None]:
    """The window reads no user settings."""
    from triage.settings import SETTINGS_ENV

    wanted = {SETTINGS_ENV: str(folder / "settings.json")}
    saved = {name: os.environ.get(name) for name in wanted}
    os.environ.update(wanted)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _close_store(run: _Run) -> None:
    if run.store is not None:
        try:
            run.store.close()
        except Exception:  # noqa: S110 - cleaning up; the folder is removed next
            pass


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else "(no message)"


def _write(stream: TextIO, line: str) -> None:
    try:
        stream.write(line + "\n")
        stream.flush()
    except (AttributeError, OSError, ValueError):
        pass


def main() -> int:
    return run_self_test()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
