"""The letters of a decided referral: choose the kind, preview the PDF page by page, print it through
the system print dialog, save it as a PDF file, or save its plain text (for a screen-reader user,
who the untagged PDF does not serve: docs/letters.md).

The PDF built by ``triage.services.letters`` is the single source: the preview shows it (QtPdf), the
printer gets its pages rendered at 300 dpi, and the file is its bytes. Every letter shown is recorded
as generated, every letter printed or saved as such (the service moves the referral to letter sent
for a GP letter). The modal choices (printer, file name) and messages sit behind small methods so
tests can replace them.

The letterhead is the settings' at the moment the letter is built: the dialog observes the settings
in force (``LiveSettings``) and builds the letter shown again when they are saved, so what is
previewed, printed and saved is always the current service name, address and phone. The plain text
is the shown letter's own (``Letter.plain_text``), and saving it is recorded and audited as a save.

Before a letter leaves: a GP letter that names no GP asks who it goes to (a GP, or the practice by a
recorded choice); a patient copy without a postal address is not printed (it can be saved as a PDF,
which says so).

Keyboard: Alt+K the kind, Ctrl+P print, Ctrl+S save, Ctrl+Shift+S save as text, Page Up/Page Down (or the buttons) move between
pages, Escape closes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from html import escape
from pathlib import Path

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QEvent,
    QIODevice,
    QObject,
    QRectF,
    QSize,
    QSizeF,
    QStandardPaths,
    Qt,
    Signal,
)
from PySide6.QtGui import QImage, QKeySequence, QPageSize, QPainter, QPixmap, QShortcut
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from triage.files import atomic_write as write_atomically
from triage.labels import labels
from triage.letters import Letter, LetterInputError
from triage.rules.ruleset import Ruleset, default_ruleset
from triage.services.decisions import find_ruleset
from triage.services.inputs import InvalidInput
from triage.services.letter_addressee import NO_POSTAL_ADDRESS, Addressing, address_gp_letter, letter_addressing
from triage.services.letters import (
    KIND_NAMES,
    DecidedReferral,
    RecordedLetter,
    identical_letters_sent,
    letter_for_decision,
    letter_signer,
    letterhead,
    letters_sent,
    record_letter,
)
from triage.services.permissions import User
from triage.settings import LiveSettings, ServiceSettings
from triage.store.database import Store
from triage.store.errors import StoreError
from triage.store.vocabulary import LetterEvent, LetterKind
from triage.ui.addressee_dialog import Addressee, AddresseeDialog

PREVIEW_MARGIN = 14  # pixels of grey around the page
PREFERRED_SIZE = QSize(900, 1000)  # a page at a readable size, where the screen has the room
PRINT_DPI = 300  # enough for text; the printer's own resolution (1200 dpi) exceeds Qt's 256 MB image limit


class LetterDialog(QDialog):
    """The letters for one decided referral (``subject``: from ``services.decided_referral``)."""

    sent = Signal(str)  # the event ("printed" or "saved"), after it was recorded

    def __init__(
        self,
        store: Store,
        subject: DecidedReferral,
        *,
        settings: LiveSettings | ServiceSettings,
        user: User,
        letter_date: date | None = None,
        ruleset_lookup: Callable[[str], Ruleset | None] = find_ruleset,
        ruleset: Ruleset | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """``settings``: the settings in force, observed (a fixed ``ServiceSettings`` for a dialog
        outside a window). ``ruleset``: the one in force, which names the routes (default: the shipped
        or configured one); the letters themselves are built with the ruleset of the decision
        (``ruleset_lookup``)."""
        super().__init__(parent)
        self.route_labels = (ruleset or default_ruleset()).outcome_labels
        self.store, self.subject, self.user = store, subject, user
        self.live_settings = settings if isinstance(settings, LiveSettings) else LiveSettings(settings)
        self.letter_date, self.ruleset_lookup = letter_date, ruleset_lookup
        self.letter: Letter | None = None
        self.setWindowTitle("Letters")  # never the person's name: window titles reach task bars and logs
        self._build()
        self._fit_to_screen()
        self.kind.currentIndexChanged.connect(lambda _i: self.show_kind(self.kind.currentData()))
        self.show_kind(self.kind.currentData())
        self.live_settings.changed.connect(self._settings_saved)  # until the dialog is done
        self._observing = True

    @property
    def settings(self) -> ServiceSettings:
        """The settings in force now (read when a letter is built, never kept)."""
        return self.live_settings.current

    def _settings_saved(self, _settings: ServiceSettings) -> None:
        self.show_kind(self.kind.currentData())  # the letter shown, with the new letterhead

    # --- layout ----------------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        route = escape(self.route_labels.get(self.subject.confirmed_route, self.subject.confirmed_route))
        step = f", step {self.subject.confirmed_step}" if self.subject.confirmed_step else ""
        heading = QLabel(f"Letters from the confirmed decision: <b>{route}{step}</b>")
        heading.setProperty("role", "heading")
        layout.addWidget(heading)

        choose = QHBoxLayout()
        label = QLabel("&Kind of letter:")
        self.kind = QComboBox()
        self.kind.setAccessibleName("Kind of letter")
        label.setBuddy(self.kind)
        for kind in self.subject.kinds:
            self.kind.addItem(labels().letter_kinds[kind], kind)
        choose.addWidget(label)
        choose.addWidget(self.kind, 1)
        layout.addLayout(choose)

        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setProperty("role", "warning")
        self.notice.setAccessibleName("Letter notice")
        self.notice.setVisible(False)
        layout.addWidget(self.notice)

        # Pages are rendered one at a time with QPdfDocument into a label (QtPdfWidgets is not shipped in
        # the frozen build, and a synchronous render keeps the preview and its tests deterministic).
        self.document = QPdfDocument(self)
        self.page_image = QLabel()
        self.page_image.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.page_image.setStyleSheet("background: #8a8f98; padding: 12px;")
        self.view = QScrollArea()
        self.view.setWidget(self.page_image)
        self.view.setWidgetResizable(True)
        # Always there, so the page's width (fitted to the viewport) does not change when it appears.
        self.view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.view.setAccessibleName("Letter preview")
        self.view.setAccessibleDescription("The letter as it will be printed, one page at a time")
        for bar in (self.view.verticalScrollBar(), self.view.horizontalScrollBar()):
            bar.setAccessibleName("Scroll the letter preview")
        layout.addWidget(self.view, 1)
        self._page = 0
        self.view.viewport().installEventFilter(self)

        pages = QHBoxLayout()
        self.previous_page = QPushButton("◀ Previous page")
        self.next_page = QPushButton("Next page ▶")
        self.previous_page.setToolTip("Page Up")
        self.next_page.setToolTip("Page Down")
        self.page_label = QLabel()
        self.page_label.setAccessibleName("Page shown")
        pages.addWidget(self.previous_page)
        pages.addWidget(self.page_label)
        pages.addWidget(self.next_page)
        pages.addStretch(1)
        layout.addLayout(pages)

        buttons = QHBoxLayout()
        self.print_button = QPushButton("&Print… (Ctrl+P)")
        self.save_button = QPushButton("&Save as PDF… (Ctrl+S)")
        self.text_button = QPushButton("Save as &text… (Ctrl+Shift+S)")
        self.text_button.setToolTip("The letter's words as a plain-text file, for someone using a screen reader")
        self.close_button = QPushButton("Close (Esc)")
        buttons.addStretch(1)
        outputs = (self.print_button, self.save_button, self.text_button, self.close_button)
        for button in outputs:
            buttons.addWidget(button)
        layout.addLayout(buttons)
        for button in (self.previous_page, self.next_page, *outputs):
            button.setAutoDefault(False)  # Return must never print or save by surprise
            button.setAccessibleName(button.text().strip("◀▶ ").replace("&", "").replace("…", "").split(" (")[0])

        self.previous_page.clicked.connect(lambda: self.go_to_page(self.current_page() - 1))
        self.next_page.clicked.connect(lambda: self.go_to_page(self.current_page() + 1))
        self.print_button.clicked.connect(self.print_letter)
        self.save_button.clicked.connect(self.save_letter)
        self.text_button.clicked.connect(self.save_text)
        self.close_button.clicked.connect(self.reject)
        for keys, slot in (("Ctrl+P", self.print_letter), ("Ctrl+S", self.save_letter), ("Ctrl+Shift+S", self.save_text),
                           (QKeySequence.StandardKey.MoveToPreviousPage, self.previous_page.click),
                           (QKeySequence.StandardKey.MoveToNextPage, self.next_page.click)):  # fmt: skip
            QShortcut(QKeySequence(keys), self).activated.connect(slot)

    def _fit_to_screen(self) -> None:
        """As tall as a page needs, or as the screen allows: on a 1280×720 laptop the preview scrolls and
        Print and Save stay on the screen."""
        from triage.ui.fit import fit_to_screen

        fit_to_screen(self, PREFERRED_SIZE)

    # --- the letter shown ------------------------------------------------------------------------

    def show_kind(self, kind: LetterKind) -> None:
        """Build, record and preview the letter of this kind; say why when it cannot be produced."""
        self.letter = None
        self.document.close()
        try:
            service = letterhead(self.settings)
            letter = letter_for_decision(
                self.store, self.user, self.subject.decision_id, kind, screener=letter_signer(self.user),
                service=service, letter_date=self.letter_date or date.today(), ruleset_lookup=self.ruleset_lookup,
            )  # fmt: skip
            record_letter(self.store, self.user, self.subject.decision_id, letter, "generated")
        except LetterInputError as exc:
            self._refuse("This letter cannot be produced: " + "; ".join(exc.problems))
            return
        except StoreError as exc:
            self._refuse(f"This letter cannot be produced: {exc}.")
            return
        self.letter = letter
        self._load_preview(letter.pdf)
        unposted = "⚠ " + NO_POSTAL_ADDRESS if kind == "patient" and not self._addressing().postal_address else ""
        self._set_notice(" ".join(filter(None, [self._earlier_notice(letter), unposted])))
        self._enable(True)

    def _refuse(self, message: str) -> None:
        self._set_notice(message)
        self._enable(False)
        self.go_to_page(0)  # no letter: the page shown before is cleared

    def _load_preview(self, pdf: bytes) -> None:
        # The document reads from the buffer while it is shown: keep it alive with the dialog.
        self._buffer = QBuffer(self)
        self._buffer.setData(QByteArray(pdf))
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document.load(self._buffer)
        self.go_to_page(0)

    def _earlier_notice(self, letter: Letter) -> str:
        identical = identical_letters_sent(self.store, self.user, self.subject.decision_id, letter)
        if identical:
            return "⚠ A letter identical to this one was already " + _when_and_who(identical[-1]) + "."
        earlier = letters_sent(self.store, self.user, self.subject.decision_id, letter.kind)
        if earlier:
            return (f"A {KIND_NAMES[letter.kind]} for this decision was already {_when_and_who(earlier[-1])}"
                    " (this one differs from it).")  # fmt: skip
        return ""

    def _set_notice(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.setVisible(bool(text))

    def _enable(self, ready: bool) -> None:
        for widget in (self.print_button, self.save_button, self.text_button, self.view):
            widget.setEnabled(ready)

    def done(self, result: int) -> None:
        """Closed (or rejected by the idle lock): the letter, its identifiers and its pages go with it."""
        if self._observing:
            self._observing = False
            self.live_settings.changed.disconnect(self._settings_saved)
        self.letter = None
        self.document.close()
        self.page_image.clear()
        self.notice.clear()
        super().done(result)

    # --- pages -----------------------------------------------------------------------------------

    def page_count(self) -> int:
        return self.document.pageCount() if self.letter is not None else 0

    def current_page(self) -> int:
        return self._page

    def go_to_page(self, page: int) -> None:
        self._page = max(0, min(page, self.page_count() - 1))
        self._render_page()
        self.view.verticalScrollBar().setValue(0)
        self._show_page_number()

    def _render_page(self) -> None:
        if not self.page_count():
            self.page_image.clear()
            return
        ratio = self.devicePixelRatioF()
        width = max(self.view.viewport().width() - 2 * PREVIEW_MARGIN, 300)
        points = self.document.pagePointSize(self._page)
        size = QSize(round(width * ratio), round(width * ratio * points.height() / points.width()))
        page = QImage(size, QImage.Format.Format_RGB32)
        page.fill(Qt.GlobalColor.white)  # QtPdf leaves unpainted paper transparent
        painter = QPainter(page)
        painter.drawImage(0, 0, self.document.render(self._page, size))
        painter.end()
        page.setDevicePixelRatio(ratio)
        self.page_image.setPixmap(QPixmap.fromImage(page))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.view.viewport() and event.type() == QEvent.Type.Resize:
            self._render_page()  # the page follows the preview's width
        return super().eventFilter(watched, event)

    def _show_page_number(self) -> None:
        count = self.page_count()
        self.page_label.setText(f"Page {self.current_page() + 1} of {count}" if count else "No letter to show")
        self.previous_page.setEnabled(count > 0 and self.current_page() > 0)
        self.next_page.setEnabled(count > 0 and self.current_page() < count - 1)

    # --- output ----------------------------------------------------------------------------------

    def print_letter(self) -> None:
        if self.letter is None:
            self.inform("Not printed", self.notice.text() or "There is no letter to print.")
            return
        if not self._may_leave("printed"):
            return
        printer = self.choose_printer()
        if printer is None:
            return
        if not print_pdf(self.document, printer):
            self.inform("Not printed", "The printer could not be started; nothing was recorded as printed.")
            return
        self._record("printed")

    def save_letter(self) -> None:
        self._save(as_text=False)

    def save_text(self) -> None:
        """The letter shown as plain text, to a file chosen (sent to someone using a screen reader)."""
        self._save(as_text=True)

    def _save(self, *, as_text: bool) -> None:
        if self.letter is None:
            self.inform("Not saved", self.notice.text() or "There is no letter to save.")
            return
        if not self._may_leave("saved"):
            return
        name = self.default_file_name()
        path = self.choose_text_file(name.removesuffix(".pdf") + ".txt") if as_text else self.choose_file(name)
        if path is None:
            return
        assert self.letter is not None  # _may_leave rebuilds it, never clears it when it says yes
        data = self.letter.plain_text.encode("utf-8") if as_text else self.letter.pdf
        try:
            write_atomically(path, data)
        except OSError as exc:
            self.inform("Not saved", f"The file could not be written ({type(exc).__name__}); nothing was recorded.")
            return
        self._record("saved", as_text=as_text)

    def _addressing(self) -> Addressing:
        return letter_addressing(self.store, self.user, self.subject.referral_id)

    def _may_leave(self, event: LetterEvent) -> bool:
        """Whether the letter shown may be printed or saved: the patient copy is printed only with a postal
        address; the GP letter names its GP, or the practice is chosen (asked, recorded, the letter rebuilt)."""
        assert self.letter is not None
        title = "Not printed" if event == "printed" else "Not saved"
        addressing = self._addressing()
        if self.letter.kind == "patient" and event == "printed" and not addressing.postal_address:
            self.inform(title, NO_POSTAL_ADDRESS)
            return False
        if self.letter.kind != "gp" or addressing.gp_settled:
            return True
        chosen = self.ask_addressee(addressing.practice_gps)
        if chosen is None:
            self.inform(title, "The GP letter names no GP: choose the GP it goes to, or address it to the practice.")
            return False
        try:
            address_gp_letter(self.store, self.user, self.subject.referral_id, chosen.gp)
        except (InvalidInput, StoreError) as exc:
            self.inform(title, f"Who the letter goes to could not be recorded: {exc}.")
            return False
        self.show_kind("gp")  # built again, addressed as chosen: that is the letter that leaves
        return self.letter is not None

    def default_file_name(self) -> str:
        """The referral id and the kind: never a name or an NHS number, which file lists and backups show."""
        assert self.letter is not None
        return f"letter-{self.letter.kind}-{self.subject.referral_id}.pdf"

    def _record(self, event: LetterEvent, *, as_text: bool = False) -> None:
        assert self.letter is not None
        try:
            record_letter(self.store, self.user, self.subject.decision_id, self.letter, event, as_text=as_text)
        except StoreError as exc:
            self.inform("Not recorded", f"The letter was {event} but could not be recorded: {exc}.")
            return
        how = " as text" if as_text else ""
        self._set_notice(f"{labels().letter_kinds[self.letter.kind]} {event}{how} and recorded.")
        self.sent.emit(event)

    # --- the modal parts, replaced in tests ------------------------------------------------------

    def choose_printer(self) -> QPrinter | None:
        printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
        printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
        printer.setDocName(f"letter-{self.subject.referral_id}")  # print queues show it: no identifiers
        dialog = QPrintDialog(printer, self)
        dialog.setMinMax(1, max(self.page_count(), 1))
        return printer if dialog.exec() == QDialog.DialogCode.Accepted else None

    def choose_file(self, name: str) -> Path | None:
        return choose_pdf_file(self, "Save the letter as PDF", name)

    def choose_text_file(self, name: str) -> Path | None:
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        chosen, _ = QFileDialog.getSaveFileName(self, "Save the letter as text", str(Path(folder) / name),
                                                "Plain text (*.txt)")  # fmt: skip
        if not chosen:
            return None
        path = Path(chosen)
        return path if path.suffix.lower() == ".txt" else path.with_name(path.name + ".txt")

    def ask_addressee(self, practice_gps: tuple[str, ...]) -> Addressee | None:
        dialog = AddresseeDialog(practice_gps, self)
        return dialog.choice if dialog.exec() == QDialog.DialogCode.Accepted else None

    def inform(self, title: str, message: str) -> None:
        QMessageBox.warning(self, title, message)


def choose_pdf_file(parent: QWidget, title: str, name: str) -> Path | None:
    """Where to save a PDF, asked with the system's save dialog, in the Documents folder under ``name``
    (which carries no patient data); ".pdf" added when the name typed has none. None if cancelled."""
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    chosen, _ = QFileDialog.getSaveFileName(parent, title, str(Path(folder) / name), "PDF (*.pdf)")
    if not chosen:
        return None
    path = Path(chosen)
    return path if path.suffix.lower() == ".pdf" else path.with_name(path.name + ".pdf")


def print_pdf(document: QPdfDocument, printer: QPrinter, dpi: int = PRINT_DPI) -> bool:
    """Each page rendered at ``dpi`` and drawn on the whole sheet at its true size (a window envelope
    needs the address where the letter put it). False when the printer cannot be started."""
    printer.setFullPage(True)
    painter = QPainter()
    if not painter.begin(printer):
        return False
    try:
        sheet = QRectF(printer.pageLayout().fullRectPixels(printer.resolution()))
        for index in range(document.pageCount()):
            if index and not printer.newPage():
                return False
            points = document.pagePointSize(index)
            image = document.render(index, QSize(round(points.width() / 72 * dpi), round(points.height() / 72 * dpi)))
            size = QSizeF(points.width() / 72 * printer.resolution(), points.height() / 72 * printer.resolution())
            painter.drawImage(QRectF(sheet.topLeft(), size), image)
    finally:
        painter.end()
    return True


def _when_and_who(record: RecordedLetter) -> str:
    return f"{record.event} on {record.created_at.astimezone():%d/%m/%Y} by {record.created_by}"
