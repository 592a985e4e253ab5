"""``triage --self-test``: proves an installed copy (above all the frozen one in ``dist/triage/``) works.

In a temporary data folder, removed afterwards, it:

1. creates an encrypted store with its first admin, runs the migrations, checks that a wrong key
   opens nothing and changes nothing, and logs in (then the integrity check and the audit chain);
2. starts the main window on that store, offscreen (fonts, theme, referral list);
3. screens a referral through the real windows, as a person would: the admin adds a PWP and the
   GP practice directory; the PWP logs in through the login window; in the main window a new
   referral is typed into the new-referral dialog; the screening page is answered key by key
   (PHQ-9, GAD-7, the four ratings, the risk questions, risk low, the main problem); the
   recommendation is confirmed; and the GP letter is printed from the letter window, through the
   app's own print path, to a PDF file. The stored screening and decision, the recorded letter and
   the printed pages are then checked;
4. loads the ruleset in force, routes all 2,187 rating combinations and compares them with the
   golden table shipped beside the ruleset;
5. builds each kind of letter (GP, patient, referral-on) for a built-in synthetic case;
6. renders page 1 of the GP letter to an image with QtPdf and checks it is not blank.

Each step prints one line as soon as it is done (so a benchmark can time the main window from
outside); the last line says ``self-test passed`` (exit 0) or ``self-test FAILED: ...`` (exit 1).
A failure is reported as a sentence, never a traceback. It runs offscreen (``QT_QPA_PLATFORM`` is
set to ``offscreen`` unless already set), opens no network connection and reads no user settings:
the print server is pointed at a socket in the temporary folder that does not exist, as the letter
goes to a PDF file (CUPS would otherwise be asked for the default printer, over localhost when its
local socket is missing). No dialog is left waiting for a person: each modal window the screening
opens is answered by the step, and any message box is closed and reported as the step's failure.
The synthetic case is not a person: its NHS number is in the 999 test range.
"""

from __future__ import annotations

import html
import os
import re
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
from typing import Any, Self, TextIO

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

# The scripted screening (step 3). The PWP and the GP practice are added by the self-test's admin.
PWP_USERNAME = "self-test-pwp"
PWP_NAME = "Pat Selftest"
PWP_PASSWORD = secrets.token_urlsafe(24)
PRACTICE_CODE = "X99999"
PRACTICE_CSV = (
    "code,name,address,gp_names\n"
    f"{PRACTICE_CODE},Example Medical Practice,1 Example Road;Doncaster;DN1 1AA,Dr A Example\n"
)
# Typed field by field, key by key (received today, from the GP: the dialog's defaults).
NEW_REFERRAL = {"nhs_number": "9990000018", "given_name": "Sam", "family_name": "Selftest",
                "date_of_birth": "15/06/1980"}  # fmt: skip
# The answers: they route to core IAPT at step 2 with nothing left for a person to decide and no
# warning to acknowledge, so the recommendation is confirmed as it stands. Every risk question is
# answered "No" (key N) and the main problem is depression (key D).
PHQ9 = [1, 2, 1, 1, 2, 1, 1, 1, 0]
GAD7 = [1, 1, 2, 1, 1, 0, 1]
RATINGS = {"chronicity": "medium", "complexity": "low", "impairment": "medium", "substance_use": "low", "risk": "low"}
LEVEL_KEYS = {"low": "1", "medium": "2", "high": "3"}
EXPECTED_DECISION = ("core_iapt", 2)
STEP_TIMEOUT_S = 120.0  # a modal window still open then is closed, and the step fails
LOGIN_TIMEOUT_S = 60.0
A4_POINTS = (595.3, 841.9)


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
    pwp_store: Any = None
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
            ("screening", _screening, ("store",)),
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
    return (f"new encrypted SQLite store migrated to {revision}, a wrong key refused; integrity check and audit "
            "chain sound")


def _create_store(path: Path) -> tuple[Any, Any]:
    """The store the app creates on first run: encrypted, with a first admin, then logged in to.
    A store whose file starts with SQLite's plain header is not encrypted and fails the step."""
    from triage.services.login import open_authenticated
    from triage.services.store_setup import initialise_store

    initialise_store(path, ACTOR, "Self Test", SELF_TEST_PASSWORD)
    if path.read_bytes()[:16] == b"SQLite format 3\x00":
        raise StepFailed("the new store is not encrypted (its file starts with the plain SQLite header)")
    _refuses_a_wrong_key(path)
    return open_authenticated(path, ACTOR, SELF_TEST_PASSWORD)


def _refuses_a_wrong_key(path: Path) -> None:
    """The bundled SQLCipher must refuse any key but the store's, and change nothing trying."""
    from triage.store import open_store
    from triage.store.database import WrongKeyError

    before = path.read_bytes()
    try:
        open_store(path, key=secrets.token_bytes(32)).close()
    except WrongKeyError:
        pass
    else:
        raise StepFailed("the new store opened with a wrong key: it is not protected by its key")
    if path.read_bytes() != before:
        raise StepFailed("trying a wrong key changed the store's file")


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
        shown = f"main window shown ({app.platformName()} platform), {family} font"
    finally:
        window.close()
        window.deleteLater()
        app.processEvents()
    return shown


def _screening(run: _Run) -> str:
    """A referral screened and its GP letter printed through the app's own windows, by a PWP who logs
    in through the login window: what a person does on the first day, with the answers typed."""
    app = _qt_application()
    _qtpdf()  # the letter window previews and prints with it
    from triage.rules.ruleset import default_ruleset
    from triage.settings import ServiceSettings
    from triage.ui.app import session_window
    from triage.ui.letter_dialog import LetterDialog
    from triage.ui.recommendation_panel import ROUTE_LABELS
    from triage.ui.referral_dialog import NewReferralDialog
    from triage.ui.theme import apply_theme

    _admin_adds_a_pwp_and_the_practice(run)
    printed = run.folder / "printed-gp-letter.pdf"
    modals = _Modals(app, fill={NewReferralDialog: _fill_new_referral}, allowed=(LetterDialog,))
    with _isolated_environment(run.folder), modals:
        apply_theme(app)
        run.pwp_store, pwp = _log_in(app, run.folder / "triage.db", PWP_USERNAME, PWP_PASSWORD)
        window = session_window(run.pwp_store, pwp, default_ruleset(), ServiceSettings())
        try:
            window.show()
            window.activateWindow()
            app.processEvents()
            window.home.new_button.click()  # the new-referral dialog: filled in by _fill_new_referral
            modals.check("the new referral")
            page, referral_id = window.screening, window.referral_id
            if page is None or referral_id is None:
                raise StepFailed("the new referral was not opened for screening")
            _answer(page)
            if not page.confirm.isEnabled():
                raise StepFailed("there is no recommendation to confirm: " + _plain(page.summary.text()))
            page.confirm.click()  # the recommendation, preselected: nobody needs to choose here
            modals.check("confirming the decision")
            if window.screening is not None:
                why = _plain(page.problems.text()) or "no reason shown"
                raise StepFailed(f"the decision was not confirmed: {why}")
            offered = [dialog for dialog in window.findChildren(LetterDialog) if dialog.isVisible()]
            if len(offered) != 1:
                raise StepFailed(f"{len(offered)} letter windows were offered after the decision, not 1")
            letter, decision_id = _print_gp_letter(offered[0], printed)
            app.processEvents()
            modals.check("printing the GP letter")
        finally:
            window.close()
            window.deleteLater()
            app.processEvents()
    _check_stored(run.pwp_store, pwp, referral_id, decision_id, letter)
    pages = _printed(printed)
    if pages != letter.pages:
        raise StepFailed(f"{pages} pages were printed of the {letter.pages}-page GP letter")
    route, step = EXPECTED_DECISION
    return (f"PWP logged in; new referral screened by keyboard, {ROUTE_LABELS[route]} step {step} confirmed; "
            f"GP letter printed ({pages} p, to PDF) and recorded; status letter sent")  # fmt: skip


def _admin_adds_a_pwp_and_the_practice(run: _Run) -> None:
    """The admin's part of a first day: a PWP's account, and the GP practice directory imported from
    a CSV file as Settings does (the GP letter is addressed from it)."""
    from triage.services.directory import import_practices_csv
    from triage.services.inputs import InvalidInput
    from triage.services.users import add_user
    from triage.store.errors import StoreError

    directory = run.folder / "practices.csv"
    directory.write_text(PRACTICE_CSV, encoding="utf-8")
    try:
        add_user(run.store, run.user, PWP_USERNAME, PWP_NAME, "pwp", PWP_PASSWORD)
        import_practices_csv(run.store, run.user, directory)
    except (StoreError, InvalidInput) as exc:
        raise StepFailed(f"the admin could not add a PWP and the GP practice directory: {_message(exc)}") from None


def _answer(page: Any) -> None:
    """The screening page answered key by key, in its own order, as a screener types while listening."""
    for rows, answers in ((page.phq9.rows, PHQ9), (page.gad7.rows, GAD7)):
        for row, answer in zip(rows, answers, strict=True):
            _press(row, str(answer))
    for variable in ("chronicity", "complexity", "impairment", "substance_use"):
        _press(page.raters[variable].levels_row, LEVEL_KEYS[RATINGS[variable]])
    for asked in page.risk_present.values():
        _press(asked, "N")  # No
    _press(page.raters["risk"].levels_row, LEVEL_KEYS[RATINGS["risk"]])
    _press(page.descriptor, "D")  # Depression
    form = page.form()
    asked = [item.get("present") for item in form.risk_details.values() if isinstance(item, dict)]
    taken = {"PHQ-9": form.phq9 == PHQ9, "GAD-7": form.gad7 == GAD7, "the ratings": form.ratings == RATINGS,
             "the risk questions": asked == ["no"] * len(page.risk_present),
             "the main problem": form.problem_descriptor == "depression"}  # fmt: skip
    wrong = [name for name, ok in taken.items() if not ok]
    if wrong:
        raise StepFailed("the screening page did not take the keys typed for " + ", ".join(wrong))


def _print_gp_letter(letters: Any, printed: Path) -> tuple[Any, str]:
    """Print the GP letter from the letter window through the app's print path (every page rendered
    and drawn on the printer), the print dialog answered with a PDF file. The letter and its decision."""
    told: list[str] = []
    sent: list[str] = []
    letters.inform = lambda title, message: told.append(f"{title}: {message}")  # instead of a message box
    letters.choose_printer = lambda: _pdf_printer(printed, f"letter-{letters.subject.referral_id}")
    letters.sent.connect(sent.append)
    letter = letters.letter
    if letter is None or letter.kind != "gp":
        why = _plain(letters.notice.text()) or "no reason shown"
        raise StepFailed(f"the letter window did not show the GP letter: {why}")
    letters.print_button.click()
    if told or sent != ["printed"]:
        raise StepFailed("the GP letter was not printed: " + ("; ".join(told) or "nothing was recorded"))
    letters.close_button.click()
    return letter, letters.subject.decision_id


def _check_stored(store: Any, user: Any, referral_id: str, decision_id: str, letter: Any) -> None:
    """The screening, the decision and the printed letter, read back from the store as the PWP."""
    from triage.services import get_referral, letters_sent
    from triage.store.errors import StoreError

    try:
        referral = get_referral(store, user, referral_id)
        recorded = letters_sent(store, user, decision_id, "gp")
    except StoreError as exc:
        raise StepFailed(f"the screened referral cannot be read back: {_message(exc)}") from None
    screening, decision = referral.screenings[-1], referral.decisions[-1]
    ratings = {variable: getattr(screening, variable) for variable in RATINGS}
    stored = (list(screening.phq9), list(screening.gad7), ratings, screening.problem_descriptor)
    if stored != (PHQ9, GAD7, RATINGS, "depression"):
        raise StepFailed("the stored screening is not what was typed")
    recommended = (decision.recommended_route, decision.recommended_step)
    confirmed = (decision.confirmed_route, decision.confirmed_step)
    if recommended != EXPECTED_DECISION or confirmed != EXPECTED_DECISION or decision.decided_by != user.username:
        raise StepFailed(f"the stored decision is {confirmed} by {decision.decided_by}, recommended {recommended}; "
                         f"expected {EXPECTED_DECISION} recommended and confirmed by {user.username}")  # fmt: skip
    if [(r.kind, r.event, r.sha256) for r in recorded] != [("gp", "printed", letter.sha256)]:
        raise StepFailed(f"the printed GP letter was not recorded once as printed ({len(recorded)} records)")
    if referral.status != "letter_sent":
        raise StepFailed(f"the referral is {referral.status.replace('_', ' ')} after its GP letter was printed")


def _log_in(app: Any, database: Path, username: str, password: str) -> tuple[Any, Any]:
    """Log in through the login window, as the app does: typed, checked on its worker thread."""
    from triage.services.login import open_authenticated
    from triage.ui.login import LoginDialog

    dialog = LoginDialog(lambda u, p: open_authenticated(database, u, p), str(database))
    try:
        dialog.show()
        _type(dialog.username, username)
        _type(dialog.password, password)
        dialog.ok.click()
        deadline = time.monotonic() + LOGIN_TIMEOUT_S
        while dialog.result_value is None and dialog.message.isHidden() and time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.005)
        if dialog.result_value is None:
            why = dialog.message.text() or "no answer from the login window"
            raise StepFailed(f"the PWP could not log in: {why}")
        return dialog.result_value  # type: ignore[no-any-return]
    finally:
        dialog.close()
        dialog.deleteLater()


def _fill_new_referral(dialog: Any) -> None:
    """The new-referral dialog, typed in field by field (received today, from the GP: its defaults)."""
    from PySide6.QtWidgets import QDialogButtonBox

    for key, text in NEW_REFERRAL.items():
        _type(dialog.fields[key], text)
    # The practice's code is put in, not typed: typing opens the completer's list of practices, a popup
    # the offscreen platform cannot hand the keyboard to (Qt warns). The dialog reads the field either way.
    dialog.practice.setText(PRACTICE_CODE)
    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()


class _Modals:
    """Answers the modal windows a step opens, so none waits for a person: a window of a kind in
    ``fill`` is filled in once (and closed, failing the step, if it is still open after that); a kind
    in ``allowed`` is the step's own business; anything else, a message box above all, is noted and
    closed. ``check(doing)`` fails the step with what was noted. After STEP_TIMEOUT_S every modal
    window is closed."""

    def __init__(self, app: Any, *, fill: dict[type, Callable[[Any], None]], allowed: tuple[type, ...]) -> None:
        from PySide6.QtCore import QTimer

        self.app, self.fill, self.allowed = app, fill, allowed
        self.noted: list[str] = []
        self._filled: list[Any] = []
        self._timer = QTimer(interval=20)
        self._timer.timeout.connect(self._look)
        self._deadline = time.monotonic() + STEP_TIMEOUT_S

    def __enter__(self) -> Self:
        self._timer.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._timer.stop()

    def _look(self) -> None:
        widget = self.app.activeModalWidget()
        if widget is None or not widget.isVisible():
            return
        if time.monotonic() > self._deadline:
            self.noted.append(f"the window {widget.windowTitle()!r} was still open after {STEP_TIMEOUT_S:.0f} s")
            widget.reject()
            return
        if isinstance(widget, self.allowed):
            return
        kind = next((k for k in self.fill if isinstance(widget, k)), None)
        if kind is not None and not any(widget is w for w in self._filled):
            self._filled.append(widget)
            self.fill[kind](widget)
            return
        problems = getattr(widget, "problems", None)  # a dialog that refused what was typed says why here
        said = problems.text() if problems is not None and problems.text() else getattr(widget, "text", str)()
        title = widget.windowTitle()
        self.noted.append(f"{title}: {_plain(said)}" if said else f"the window {title!r} stayed open")
        widget.reject()

    def check(self, doing: str) -> None:
        if self.noted:
            raise StepFailed(f"{doing}: " + "; ".join(self.noted))


def _press(widget: Any, text: str) -> None:
    """One key, pressed and released on ``widget`` through the application's event delivery: the
    widget's own keyboard handling answers it, as for a person typing."""
    from PySide6.QtCore import QEvent, Qt
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QApplication

    try:
        key = Qt.Key(ord(text.upper()))  # letters, digits and ASCII punctuation share their codes with Qt's keys
    except ValueError:
        key = Qt.Key.Key_unknown
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        QApplication.sendEvent(widget, QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, text))


def _type(widget: Any, text: str) -> None:
    for character in text:
        _press(widget, character)


def _pdf_printer(path: Path, document_name: str) -> Any:
    """The printer the letter window sets up for its print dialog (LetterDialog.choose_printer), with
    a PDF file chosen in the dialog as where the pages go."""
    from PySide6.QtGui import QPageSize
    from PySide6.QtPrintSupport import QPrinter

    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    printer.setDocName(document_name)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    return printer


def _printed(path: Path) -> int:
    """The printed file's number of pages, once page 1 is checked: A4, with ink on it."""
    QPdfDocument = _qtpdf()
    document = QPdfDocument(None)
    try:
        if not path.is_file() or document.load(str(path)) != QPdfDocument.Error.None_:
            raise StepFailed("the printer wrote no readable PDF file")
        size = document.pagePointSize(0)
        if abs(size.width() - A4_POINTS[0]) > 2 or abs(size.height() - A4_POINTS[1]) > 2:
            raise StepFailed(f"the letter was printed on {size.width():.0f}x{size.height():.0f} pt paper, not A4")
        _, ink = _page_ink(document, 0)
        if not MIN_INK <= ink <= MAX_INK:
            raise StepFailed(f"page 1 of the printed GP letter is blank or dark ({ink:.2%} ink)")
        return document.pageCount()
    finally:
        document.close()


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
    QPdfDocument = _qtpdf()

    pdf = run.folder / "gp-letter.pdf"
    pdf.write_bytes(run.letters["gp"].pdf)
    document = QPdfDocument(None)
    try:
        error = document.load(str(pdf))
        if error != QPdfDocument.Error.None_:
            raise StepFailed(f"QtPdf cannot open the GP letter ({error.name})")
        image, ink = _page_ink(document, 0)
    finally:
        document.close()
    if ink < MIN_INK:
        raise StepFailed(f"page 1 of the GP letter rendered blank ({ink:.2%} ink)")
    if ink > MAX_INK:
        raise StepFailed(f"page 1 of the GP letter rendered mostly dark ({ink:.0%} ink): not a letter")
    return f"page 1 of the GP letter rendered {image.width()}x{image.height()}, {ink:.1%} ink"


# --- helpers -------------------------------------------------------------------------------------------


def _page_ink(document: Any, page: int, width: int = 600) -> tuple[Any, float]:
    """A page of a loaded QPdfDocument rendered ``width`` pixels wide on white paper, and its ink."""
    from PySide6.QtCore import QSize, Qt
    from PySide6.QtGui import QImage, QPainter

    points = document.pagePointSize(page)
    image = document.render(page, QSize(width, round(width * points.height() / points.width())))
    if image.isNull():
        raise StepFailed(f"page {page + 1} rendered to no image")
    # QtPdf leaves unpainted paper transparent: lay the page on white, as a printer would.
    paper = QImage(image.size(), QImage.Format.Format_RGB32)
    paper.fill(Qt.GlobalColor.white)
    painter = QPainter(paper)
    painter.drawImage(0, 0, image)
    painter.end()
    return image, _ink(paper.convertToFormat(QImage.Format.Format_Grayscale8))


def _ink(gray: Any) -> float:
    """The share of pixels clearly darker than white paper, in an 8-bit grayscale QImage."""
    width, height, stride = gray.width(), gray.height(), gray.bytesPerLine()
    data = bytes(gray.constBits())
    light = bytes(range(160, 256))
    dark = sum(len(data[row * stride : row * stride + width].translate(None, light)) for row in range(height))
    return dark / (width * height)


def _qtpdf() -> Any:
    """QtPdf's QPdfDocument, or the step fails saying what to install."""
    try:
        from PySide6.QtPdf import QPdfDocument
    except ImportError:
        raise StepFailed("QtPdf is not installed (package pyside6-pdf): letters cannot be previewed") from None
    return QPdfDocument


def _qt_application() -> Any:
    """The process's QApplication, created offscreen unless a platform was chosen."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "triage"])


@contextmanager
def _isolated_environment(folder: Path) -> Iterator[None]:
    """The windows read no user settings, and printing asks no print server: CUPS is pointed at a
    socket that does not exist (without it, CUPS looks for the default printer over localhost
    when its local socket is missing; the self-test prints to a PDF file)."""
    from triage.settings import SETTINGS_ENV

    wanted = {SETTINGS_ENV: str(folder / "settings.json"), "CUPS_SERVER": str(folder / "no-print-server")}
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
    for store in (run.pwp_store, run.store):
        if store is not None:
            try:
                store.close()
            except Exception:  # noqa: S110 - cleaning up; the folder is removed next
                pass


def _message(exc: BaseException) -> str:
    """A service's error as one sentence (InvalidInput lists its problems)."""
    problems = getattr(exc, "problems", None)
    return "; ".join(problems) if problems else _first_line(exc)


def _plain(text: str) -> str:
    """A label's rich text as one plain line."""
    lines = re.sub(r"<[^>]+>", "", re.sub(r"<br\s*/?>", "; ", text)).replace(":; ", ": ")
    return " ".join(html.unescape(lines).split())


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
