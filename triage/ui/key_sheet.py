"""The recovery key on one printed A4 sheet: the key, the store it opens, and how and when to use it.

Printed through the same path as the letters (an A4 QPrinter, the system print dialog, a QPainter on
the printer that reports a printer that cannot be started). No patient data exists yet when the key
is shown, and none is ever put on this sheet. Imported only when Print is pressed, so the set-up window
does not load QtPrintSupport.
"""

from __future__ import annotations

from datetime import date
from html import escape

from PySide6.QtCore import QSizeF
from PySide6.QtGui import QFont, QPageSize, QPainter, QTextDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QApplication, QDialog, QWidget

DOC_NAME = "triage recovery sheet"  # print queues show it: it names no person and no key
BODY_POINTS = 12


def sheet_html(key: str, where: str, made_on: date, *, fingerprint: str | None = None) -> str:
    """The sheet's text: what the key is for, the key in large monospace, the store, the date, and the
    admin's audit-key fingerprint for an auditor to compare (docs/access.md)."""
    signed = ("" if not fingerprint else
              f"<p>Admin key fingerprint: <b style='font-family: monospace'>{escape(fingerprint)}</b><br>"
              "<b>triage db verify</b> and every backup print it: a different one means the audit trail's keys "
              "were replaced.</p>")  # fmt: skip
    return (
        "<h1>triage: recovery key</h1>"
        f"<p>For the encrypted referral store at:<br><b>{escape(where)}</b><br>created on {made_on:%d/%m/%Y}.</p>"
        f"<p style='font-family: monospace; font-size: 20pt; font-weight: bold'>{_two_lines(escape(key))}</p>"
        "<p>This key opens the store if every admin password is lost: run <b>triage users recover USERNAME</b> "
        "and type the key when asked, to set a new password for that admin. Anyone with this key and the "
        "store file can read every referral in it.</p>"
        + signed
        + "<p><b>Keep this sheet locked away, apart from the computer.</b> Do not photograph it, e-mail it or "
        "keep it with the laptop.</p>"
    )


def _two_lines(key: str) -> str:
    """The key's groups of four in two lines of even length (one line of them is wider than A4 at 20 pt);
    the first ends with its dash, so it reads on."""
    groups = key.split("-")
    half = (len(groups) + 1) // 2
    return "-".join(groups[:half]) + "-<br>" + "-".join(groups[half:]) if len(groups) > 1 else key


def new_printer() -> QPrinter:
    """An A4 printer, set up as the letter window sets up its own."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)  # text only: no page image to keep small
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    printer.setDocName(DOC_NAME)
    return printer


def choose_printer(parent: QWidget) -> QPrinter | None:
    """The system print dialog for one sheet; None when it is cancelled."""
    printer = new_printer()
    dialog = QPrintDialog(printer, parent)
    dialog.setMinMax(1, 1)
    return printer if dialog.exec() == QDialog.DialogCode.Accepted else None


def print_sheet(html: str, printer: QPrinter) -> bool:
    """Draw the sheet on the printer's page; False when the printer cannot be started."""
    painter = QPainter()
    if not painter.begin(printer):
        return False
    try:
        document = QTextDocument()
        document.documentLayout().setPaintDevice(printer)  # point sizes at the printer's resolution
        font = QFont(QApplication.font())
        font.setPointSizeF(BODY_POINTS)
        document.setDefaultFont(font)
        document.setHtml(html)
        area = printer.pageLayout().paintRectPixels(printer.resolution())
        document.setPageSize(QSizeF(area.size()))
        document.drawContents(painter)  # the painter starts at the printable area's corner
    finally:
        painter.end()
    return True
