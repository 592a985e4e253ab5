"""The GP letter printed from the letter window through the app's own print path (every page rendered
and drawn on the printer), the print dialog answered with a PDF file; then the printed file checked:
readable, A4, page 1 with ink on it. Part of the screening step.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from triage.ui.selftest.pages import MAX_INK, MIN_INK, page_ink, qtpdf
from triage.ui.selftest.runner import StepFailed
from triage.ui.selftest.windows import plain

A4_POINTS = (595.3, 841.9)


def print_gp_letter(letters: Any, printed: Path) -> tuple[Any, str]:
    """Print the GP letter from the letter window through the app's print path (every page rendered
    and drawn on the printer), the print dialog answered with a PDF file. The letter and its decision."""
    told: list[str] = []
    sent: list[str] = []
    letters.inform = lambda title, message: told.append(f"{title}: {message}")  # instead of a message box
    letters.choose_printer = lambda: _pdf_printer(printed, f"letter-{letters.subject.referral_id}")
    letters.sent.connect(sent.append)
    letter = letters.letter
    if letter is None or letter.kind != "gp":
        why = plain(letters.notice.text()) or "no reason shown"
        raise StepFailed(f"the letter window did not show the GP letter: {why}")
    letters.print_button.click()
    if told or sent != ["printed"]:
        raise StepFailed("the GP letter was not printed: " + ("; ".join(told) or "nothing was recorded"))
    letters.close_button.click()
    return letter, letters.subject.decision_id


def printed_pages(path: Path) -> int:
    """The printed file's number of pages, once page 1 is checked: A4, with ink on it."""
    QPdfDocument = qtpdf()
    document = QPdfDocument(None)
    try:
        if not path.is_file() or document.load(str(path)) != QPdfDocument.Error.None_:
            raise StepFailed("the printer wrote no readable PDF file")
        size = document.pagePointSize(0)
        if abs(size.width() - A4_POINTS[0]) > 2 or abs(size.height() - A4_POINTS[1]) > 2:
            raise StepFailed(f"the letter was printed on {size.width():.0f}x{size.height():.0f} pt paper, not A4")
        _, ink = page_ink(document, 0)
        if not MIN_INK <= ink <= MAX_INK:
            raise StepFailed(f"page 1 of the printed GP letter is blank or dark ({ink:.2%} ink)")
        return document.pageCount()
    finally:
        document.close()


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
