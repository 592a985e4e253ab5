"""Step "screening": a referral screened and its GP letter printed through the app's own windows, as
a person does on the first day, with the answers typed.

The admin adds a PWP and imports the GP practice directory; the PWP logs in through the login window;
in the main window a new referral is typed into the new-referral dialog; the screening page is
answered key by key (PHQ-9, GAD-7, the four ratings, the risk questions, risk low, the main problem);
the recommendation is confirmed; and the GP letter is printed from the letter window, through the
app's own print path, to a PDF file. The stored screening and decision, the recorded letter and the
printed pages are then checked. No dialog is left waiting for a person: each modal window is answered
here, and any message box is closed and reported as the step's failure.
"""

from __future__ import annotations

import secrets
from typing import Any

from triage.ui.selftest.pages import qtpdf
from triage.ui.selftest.printing import print_gp_letter, printed_pages
from triage.ui.selftest.runner import Run, StepFailed, first_line
from triage.ui.selftest.windows import Modals, isolated_environment, log_in, plain, press_key, qt_application, type_text

# The PWP and the GP practice are added by the self-test's admin.
PWP_USERNAME = "self-test-pwp"
PWP_NAME = "Pat Selftest"
PWP_PASSWORD = secrets.token_urlsafe(24)
PRACTICE_CODE = "X99999"
PRACTICE_CSV = (
    "code,name,address,gp_names\n"
    f"{PRACTICE_CODE},Example Medical Practice,1 Example Road;Doncaster;DN1 1AA,Dr A Example\n"
)
# Typed field by field, key by key (received today, from the GP: the dialog's defaults).
# NHS number 999 000 0018 is in the test range (valid check digit, never issued to a person).
NEW_REFERRAL = {"nhs_number": "9990000018", "given_name": "Sam", "family_name": "Selftest",
                "date_of_birth": "15/06/1980"}  # fmt: skip
# The answers: they route to core IAPT at step 2 with nothing left for a person to decide and no
# warning to acknowledge, so the recommendation is confirmed as it stands. Every risk question is
# answered "No" (key N), the main problem is depression (key D), and section 6 is "None" for both
# lists (Space on each "None" box).
PHQ9 = [1, 2, 1, 1, 2, 1, 1, 1, 0]
GAD7 = [1, 1, 2, 1, 1, 0, 1]
RATINGS = {"chronicity": "medium", "complexity": "low", "impairment": "medium", "substance_use": "low", "risk": "low"}
LEVEL_KEYS = {"low": "1", "medium": "2", "high": "3"}
EXPECTED_DECISION = ("core_iapt", 2)


def check(run: Run) -> str:
    """A referral screened and its GP letter printed through the app's own windows, by a PWP who logs
    in through the login window: what a person does on the first day, with the answers typed."""
    app = qt_application()
    qtpdf()  # the letter window previews and prints with it
    from triage.rules.ruleset import default_ruleset
    from triage.settings import ServiceSettings
    from triage.ui.app import session_window
    from triage.ui.letter_dialog import LetterDialog
    from triage.ui.referral_dialog import NewReferralDialog
    from triage.ui.theme import apply_theme

    _admin_adds_a_pwp_and_the_practice(run)
    printed = run.folder / "printed-gp-letter.pdf"
    modals = Modals(app, fill={NewReferralDialog: _fill_new_referral}, allowed=(LetterDialog,))
    with isolated_environment(run.folder), modals:
        apply_theme(app)
        run.pwp_store, pwp = log_in(app, run.folder / "triage.db", PWP_USERNAME, PWP_PASSWORD)
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
            if page.session.recommendation is None:
                raise StepFailed("there is no recommendation to confirm: " + plain(page.summary.text()))
            page.confirm.click()  # the recommendation, preselected: nobody needs to choose here
            modals.check("confirming the decision")
            if window.screening is not None:
                why = plain(page.problems.text()) or "no reason shown"
                raise StepFailed(f"the decision was not confirmed: {why}")
            offered = [dialog for dialog in window.findChildren(LetterDialog) if dialog.isVisible()]
            if len(offered) != 1:
                raise StepFailed(f"{len(offered)} letter windows were offered after the decision, not 1")
            letter, decision_id = print_gp_letter(offered[0], printed)
            app.processEvents()
            modals.check("printing the GP letter")
        finally:
            window.close()
            window.deleteLater()
            app.processEvents()
    _check_stored(run.pwp_store, pwp, referral_id, decision_id, letter)
    pages = printed_pages(printed)
    if pages != letter.pages:
        raise StepFailed(f"{pages} pages were printed of the {letter.pages}-page GP letter")
    route, step = EXPECTED_DECISION
    return (f"PWP logged in; new referral screened by keyboard, {default_ruleset().route_labels[route]} step {step} confirmed; "
            f"GP letter printed ({pages} p, to PDF) and recorded; status letter sent")  # fmt: skip


def _admin_adds_a_pwp_and_the_practice(run: Run) -> None:
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


def _fill_new_referral(dialog: Any) -> None:
    """The new-referral dialog, typed in field by field (received today, from the GP: its defaults)."""
    from PySide6.QtWidgets import QDialogButtonBox

    for key, text in NEW_REFERRAL.items():
        type_text(dialog.fields[key], text)
    # The practice's code is put in, not typed: typing opens the completer's list of practices, a popup
    # the offscreen platform cannot hand the keyboard to (Qt warns). The dialog reads the field either way.
    dialog.practice.setText(PRACTICE_CODE)
    dialog.referring_gp.setCurrentIndex(0)  # the practice's GP, whom the GP letter is addressed to
    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()


def _answer(page: Any) -> None:
    """The screening page answered key by key, in its own order, as a screener types while listening."""
    for rows, answers in ((page.phq9.rows, PHQ9), (page.gad7.rows, GAD7)):
        for row, answer in zip(rows, answers, strict=True):
            press_key(row, str(answer))
    for variable in ("chronicity", "complexity", "impairment", "substance_use"):
        press_key(page.raters[variable].levels_row, LEVEL_KEYS[RATINGS[variable]])
    for asked in page.risk_present.values():
        press_key(asked, "N")  # No
    press_key(page.raters["risk"].levels_row, LEVEL_KEYS[RATINGS["risk"]])
    press_key(page.descriptor, "D")  # Depression
    for none in (page.ltc_none, page.mus_none):
        press_key(none, " ")
    form = page.session.form  # what the page holds is its session's: checked, not the widgets
    asked = [item.get("present") for item in form.risk_details.values() if isinstance(item, dict)]
    ratings = {variable: getattr(form, variable) for variable in RATINGS}
    taken = {"PHQ-9": list(form.phq9) == PHQ9, "GAD-7": list(form.gad7) == GAD7, "the ratings": ratings == RATINGS,
             "the risk questions": asked == ["no"] * len(page.risk_present),
             "the main problem": form.problem_descriptor == "depression",
             "section 6": (form.long_term_conditions, form.mus_kinds) == ((), ())}  # fmt: skip
    wrong = [name for name, ok in taken.items() if not ok]
    if wrong:
        raise StepFailed("the screening page did not take the keys typed for " + ", ".join(wrong))


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


def _message(exc: BaseException) -> str:
    """A service's error as one sentence (InvalidInput lists its problems)."""
    problems = getattr(exc, "problems", None)
    return "; ".join(problems) if problems else first_line(exc)
