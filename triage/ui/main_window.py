"""The main window: the referral list (home) and one screening at a time.

Keyboard: Ctrl+N new referral, Ctrl+F search, Return opens the selected referral, Ctrl+R resumes the
selected (or newest) draft, Ctrl+W goes back to the list, Ctrl+, settings, Ctrl+M the matrix, Ctrl+L the
letters of the selected (decided) referral, also offered as soon as a decision is confirmed.
Ctrl+Shift+A the audit trail (an admin's).

With a logged-in user, every look is audited: opening a referral is a view (``view_referral``, which
also checks the role), each filter applied to the list is a search (the number of results, never the
text), and letters record themselves (``record_letter``).
The screening is saved as a draft a moment after each change and at every section change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING
from html import escape

from PySide6.QtCore import QDate, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDateEdit,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from triage.labels import labels
from triage.rules.ruleset import Ruleset
from triage.services import (
    HistoryEntry,
    create_referral,
    get_referral,
    list_drafts,
    load_draft,
    person_history,
    save_draft,
)
from triage.services.directory import list_practices
from triage.services.inputs import DecisionInput, ScreeningInput
from triage.services.referral_list import ReferralFilter, count_referrals, referral_page
from triage.services.screening_form import ScreeningForm
from triage.services.decisions import complete_screening
from triage.services.letters import decided_referral
from triage.settings import ServiceSettings
from triage.store.database import Store
from triage.store.errors import StoreError
from triage.store.vocabulary import REFERRAL_STATUSES
from triage.ui.fit import fit_to_screen
from triage.ui.lock import IdleMonitor, LockPage
from triage.ui.matrix_view import MatrixView
from triage.ui.referral_dialog import NewReferralDialog
from triage.ui.referral_list import ReferralListModel, nhs_display, uk_date
from triage.ui.screening_page import ScreeningPage
from triage.ui.settings_dialog import SettingsDialog

if TYPE_CHECKING:
    from triage.services.permissions import Action, User
    from triage.ui.letter_dialog import LetterDialog

AUTOSAVE_MS = 1500
EARLIEST = QDate(2000, 1, 1)


class ReferralsPage(QWidget):
    """Search, filters, the list, and the drafts waiting to be resumed."""


    def __init__(self, model: ReferralListModel, ruleset: Ruleset, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        layout = QVBoxLayout(self)
        self.drafts_banner = QLabel()
        self.drafts_banner.setProperty("role", "warning")
        self.drafts_banner.setWordWrap(True)
        self.drafts_banner.setVisible(False)
        layout.addWidget(self.drafts_banner)

        filters = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search: NHS number, or family name (e.g. Smith, Jo)   Ctrl+F")
        self.search.setAccessibleName("Search by NHS number or name")
        self.search.setClearButtonEnabled(True)
        self.status = QComboBox()
        self.status.setAccessibleName("Filter by status")
        self.status.addItem("Any status", None)
        self.status.addItem("Open (not closed)", "open")
        for status in REFERRAL_STATUSES:
            self.status.addItem(labels().statuses[status], status)
        self.route = QComboBox()
        self.route.setAccessibleName("Filter by route")
        self.route.addItem("Any route", None)
        for code, label in ruleset.route_labels.items():
            self.route.addItem(label, code)
        self.received_from = QDateEdit(EARLIEST)
        self.received_to = QDateEdit(QDate.currentDate())
        for edit, name in ((self.received_from, "Received from"), (self.received_to, "Received to")):
            edit.setDisplayFormat("dd/MM/yyyy")
            edit.setCalendarPopup(True)
            edit.setAccessibleName(name)
        filters.addWidget(self.search, 3)
        filters.addWidget(self.status, 1)
        filters.addWidget(self.route, 1)
        filters.addWidget(QLabel("Received"))
        filters.addWidget(self.received_from)
        filters.addWidget(QLabel("to"))
        filters.addWidget(self.received_to)
        layout.addLayout(filters)

        self.table = QTableView()
        self.table.setAccessibleName("Referrals")
        self.table.setModel(model)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        self.count = QLabel()
        self.count.setAccessibleName("Number of referrals shown")
        layout.addWidget(self.count)

        layout.addWidget(QLabel("<b>Screenings in progress</b> (drafts, newest first)"))
        self.drafts = QListWidget()
        self.drafts.setAccessibleName("Screenings in progress")
        self.drafts.setMaximumHeight(120)
        layout.addWidget(self.drafts)

        buttons = QHBoxLayout()
        self.new_button = QPushButton("&New referral (Ctrl+N)")
        self.open_button = QPushButton("&Open (Return)")
        self.resume_button = QPushButton("&Resume draft (Ctrl+R)")
        for button in (self.new_button, self.open_button, self.resume_button):
            button.setAccessibleName(button.text().replace("&", ""))
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)

        self._debounce = QTimer(self, singleShot=True, interval=250)
        self._debounce.timeout.connect(self.apply_filter)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        for combo in (self.status, self.route):
            combo.currentIndexChanged.connect(lambda _i: self.apply_filter())
        for edit in (self.received_from, self.received_to):
            edit.dateChanged.connect(lambda _d: self.apply_filter())

    def current_filter(self) -> ReferralFilter:
        status = self.status.currentData()
        statuses = tuple(s for s in REFERRAL_STATUSES if s != "closed") if status == "open" else ((status,) if status else ())
        route = self.route.currentData()
        start = self.received_from.date().toPython()
        return ReferralFilter(
            text=self.search.text().strip(),
            statuses=statuses,  # type: ignore[arg-type]
            routes=(route,) if route else (),
            received_from=None if self.received_from.date() == EARLIEST else start,  # type: ignore[arg-type]
            received_to=self.received_to.date().toPython(),  # type: ignore[arg-type]
        )

    def apply_filter(self) -> None:
        self._debounce.stop()
        self._applied = self.current_filter()
        try:
            self.model.set_filter(self._applied)  # the services record it as a search, or refuse it
        except StoreError as exc:
            self.model.clear()  # a look that cannot be attributed is not shown
            self.count.setText(f"The list cannot be shown: {exc}")
            return
        self.count.setText(f"{self.model.total:,} referral{'s' if self.model.total != 1 else ''}")
        if self.model.rowCount():
            self.table.selectRow(0)

    def selected_referral(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.referral_id(rows[0].row()) if rows else None


class MainWindow(QMainWindow):
    def __init__(self, store: Store, ruleset: Ruleset, settings: ServiceSettings, user: User, *,
                 unlock_check: Callable[[str], bool] | None = None,
                 idle_minutes: float = 5.0, on_lock_change: Callable[[str], None] | None = None) -> None:  # fmt: skip
        """``user`` is the logged-in account: every service this window calls checks its role.
        ``unlock_check`` turns the idle lock on: it is asked whether a typed password is the
        user's. ``on_lock_change`` is told "lock" and "unlock" (for the audit trail)."""
        super().__init__()
        self.store, self.ruleset, self.settings, self.user = store, ruleset, settings, user
        self.unlock_check, self.on_lock_change = unlock_check, on_lock_change
        self.lock_page: LockPage | None = None
        self._locked_referral: str | None = None
        self.setWindowTitle(f"triage — {settings.service_name}")
        fit_to_screen(self, QSize(1400, 900))  # a 1366×768 or 1280×720 laptop gets what it has room for
        self.screening: ScreeningPage | None = None
        self.referral_id: str | None = None

        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        if ruleset.is_draft:
            banner = QLabel(f"DRAFT RULESET {escape(ruleset.id)} {escape(ruleset.version)}: not approved for clinical use; "
                            "every decision needs review.")
            banner.setProperty("role", "banner")
            banner.setAccessibleName("Draft ruleset warning")
            column.addWidget(banner)
        self.stack = QStackedWidget()
        column.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        # An admin sees no patient record (Caldicott): the list asks the services only for a role that
        # may search, and they would refuse any other (the refusal itself is audited).
        may_list = user.can("search")
        self.model = ReferralListModel(
            lambda flt, sort, desc, offset, limit: referral_page(store, user, flt, sort=sort, descending=desc,
                                                                 offset=offset, limit=limit) if may_list else [],  # fmt: skip
            lambda flt: count_referrals(store, user, flt) if may_list else 0,  # recorded as a search
            load=False,  # refresh_home below loads it, once
            ruleset=ruleset,
        )
        self.home = ReferralsPage(self.model, ruleset)
        if not may_list:
            self.home.count.setText(f"The referral list is not part of the {user.role.replace('_', ' ')} role.")
        self.stack.addWidget(self.home)
        self.home.new_button.clicked.connect(self.new_referral)
        self.home.open_button.clicked.connect(self.open_selected)
        self.home.resume_button.clicked.connect(self.resume_draft)
        self.home.table.doubleClicked.connect(lambda _i: self.open_selected())
        self.home.table.activated.connect(lambda _i: self.open_selected())
        self.home.drafts.itemActivated.connect(lambda item: self.open_referral(item.data(Qt.ItemDataRole.UserRole)))

        self.autosave = QTimer(self, singleShot=True, interval=AUTOSAVE_MS)
        self.autosave.timeout.connect(self.save_draft_now)
        self._actions()
        self.idle_monitor: IdleMonitor | None = None
        if unlock_check is not None:
            self.idle_monitor = IdleMonitor(idle_minutes, self)
            self.idle_monitor.idle.connect(self.lock)
        self.statusBar().showMessage(f"Ruleset {ruleset.id} {ruleset.version} ({ruleset.status}) · {store.describe()}")
        self.refresh_home()

    def _actions(self) -> None:
        # Each action is offered only to a role the services would let do it (they check again).
        self.patient_actions: list[QAction] = []
        self._needs: dict[QAction, Action | None] = {}
        for text, keys, slot, needs in (
            ("&New referral", "Ctrl+N", self.new_referral, "create_referral"),
            ("&Search", "Ctrl+F", self.focus_search, "search"),
            ("&Resume draft", "Ctrl+R", self.resume_draft, "screen"),
            ("Back to the &list", "Ctrl+W", self.close_screening, None),
            ("The &matrix in force", "Ctrl+M", self.show_matrix, None),
            ("&Letters…", "Ctrl+L", self.open_letters, "view_referral"),
            ("Se&ttings", "Ctrl+,", self.open_settings, "settings"),
            ("&Quit", "Ctrl+Q", self.close, None),
        ):
            action = QAction(text, self)
            action.setShortcut(QKeySequence(keys))
            action.triggered.connect(slot)
            self.addAction(action)
            self.menuBar().addAction(action)
            self.patient_actions.append(action)
            self._needs[action] = needs  # type: ignore[assignment]
        self._enable_for_role()
        # An admin's actions: enabled by role and off while locked (the services check the role again).
        self.admin_actions: dict[QAction, Action] = {}
        self.audit_action = self._admin_action("&Audit trail…", "Ctrl+Shift+A", self.open_audit_trail, "audit_view")
        self.users_action = self._admin_action("&Users…", "Ctrl+Shift+U", self.open_users, "users")
        self._enable_admin()

    def _admin_action(self, text: str, keys: str, slot: Callable[[], None], needs: Action) -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(keys))
        action.triggered.connect(slot)
        self.addAction(action)
        self.menuBar().addAction(action)
        self.admin_actions[action] = needs
        return action

    def _enable_admin(self) -> None:
        for action, needs in self.admin_actions.items():
            action.setEnabled(self.user.can(needs) and not self.locked)

    def _enable_for_role(self) -> None:
        for action, needs in self._needs.items():
            action.setEnabled(needs is None or self.user.can(needs))
        for button, needs in ((self.home.new_button, "create_referral"), (self.home.open_button, "view_referral"),
                              (self.home.resume_button, "screen")):  # fmt: skip
            button.setEnabled(self.user.can(needs))  # type: ignore[arg-type]

    # --- home ------------------------------------------------------------------------------------

    def refresh_home(self) -> None:
        if self.user.can("search"):
            self.home.apply_filter()
        self.home.drafts.clear()
        try:
            drafts = list_drafts(self.store, self.user) if self.user.can("screen") else []  # recorded as a search
        except StoreError as exc:
            drafts = []
            self.statusBar().showMessage(f"The drafts cannot be listed: {exc}")
        for draft in drafts:
            item = QListWidgetItem(f"{draft.family_name.upper()}, {draft.given_name} · NHS {nhs_display(draft.nhs_number)}"
                                   f" · saved {draft.saved_at.astimezone():%d/%m/%Y %H:%M}")
            item.setData(Qt.ItemDataRole.UserRole, draft.referral_id)
            self.home.drafts.addItem(item)
        if drafts:
            self.home.drafts.setCurrentRow(0)
        self.home.drafts_banner.setVisible(bool(drafts))
        self.home.drafts_banner.setText(
            f"⚠ {len(drafts)} screening{'s' if len(drafts) > 1 else ''} in progress was saved as a draft. "
            "Press Ctrl+R to resume the newest, with every answer as it was left."
        )

    def focus_search(self) -> None:
        if self.screening is None:
            self.home.search.setFocus()
            self.home.search.selectAll()

    def open_selected(self) -> None:
        referral_id = self.home.selected_referral()
        if referral_id:
            self.open_referral(referral_id)

    def resume_draft(self) -> None:
        item = self.home.drafts.currentItem() or self.home.drafts.item(0)
        if item is not None:
            self.open_referral(item.data(Qt.ItemDataRole.UserRole))

    def new_referral(self) -> None:
        if self.screening is not None:
            return
        dialog = NewReferralDialog(list_practices(self.store), self)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        self.activateWindow()  # keys go back to this window, whatever the window manager does
        if not accepted or dialog.referral is None:
            return
        try:
            created = create_referral(self.store, self.user, dialog.referral)
        except StoreError as exc:
            QMessageBox.warning(self, "Referral not created", str(exc))
            return
        if created.is_duplicate:
            QMessageBox.information(self, "Possible duplicate",
                                    "This person already has an open referral. The new one is kept and linked to it, "
                                    "so the team can decide which to close.")
        self.open_referral(created.id)

    # --- screening -------------------------------------------------------------------------------

    def open_referral(self, referral_id: str) -> None:
        try:
            referral = get_referral(self.store, self.user, referral_id)  # checked, and recorded as a view
            earlier = [h for h in person_history(self.store, self.user, referral.person.id) if h.referral_id != referral_id]
            draft = load_draft(self.store, self.user, referral_id) if self.user.can("screen") else None
        except StoreError as exc:
            QMessageBox.information(self, "Referral not opened", f"This referral cannot be opened: {exc}.")
            return
        if self.screening is not None:
            self.close_screening()
        if referral.status in ("letter_sent", "closed"):
            QMessageBox.information(self, "Referral finished", "This referral is "
                                    f"{labels().statuses[referral.status].lower()}; it cannot be screened again.")
            return
        page = ScreeningPage(self.ruleset, self.settings, self._heading(referral, earlier),
                             meeting=self.user.can("confirm_in_meeting"))  # fmt: skip
        if draft is not None:
            page.load(ScreeningForm.model_validate(draft.payload))
        page.changed.connect(self.autosave.start)
        page.section_changed.connect(lambda _s: self.save_draft_now())
        page.confirm_requested.connect(self.confirm)
        self.screening, self.referral_id = page, referral_id
        self.stack.addWidget(page)
        self.stack.setCurrentWidget(page)
        page.go_to(page.form().section if draft else "severity")

    def _heading(self, referral, earlier: list[HistoryEntry]) -> str:  # noqa: ANN001 - a loaded Referral
        person = referral.person
        practice = referral.gp_practice.name if referral.gp_practice else "no practice recorded"
        lines = [
            f"<b>{escape(person.given_name)} {escape(person.family_name.upper())}</b> · NHS {nhs_display(person.nhs_number)}"
            f" · born {uk_date(person.date_of_birth)}",
            f"Referred {uk_date(referral.received_on)} by {escape(labels().sources[referral.source])}"
            f" · {escape(practice)}" + (f" · interpreter: {escape(referral.interpreter_language)}" if referral.interpreter_language else ""),
        ]
        if earlier:
            lines.append("Earlier referrals: " + "; ".join(
                f"{uk_date(h.received_on)} {escape(self.ruleset.route_labels[h.confirmed_route] if h.confirmed_route else 'no decision')}"
                + (f" (came back from {escape(h.returned_from)})" if h.returned_from else "")
                for h in earlier
            ))
        if referral.duplicate_of_id:
            lines.append("⚠ Possible duplicate: another referral for this person was still open when this one arrived.")
        return "<br>".join(lines)

    def save_draft_now(self) -> None:
        self.autosave.stop()
        if self.screening is None or self.referral_id is None:
            return
        form = self.screening.form()
        try:
            save_draft(self.store, self.user, self.referral_id, form.model_dump(mode="json"), section=form.section)
        except StoreError as exc:
            self.statusBar().showMessage(f"Draft NOT saved: {exc}")
        else:
            self.statusBar().showMessage("Draft saved", 3000)

    def close_screening(self) -> None:
        if self.screening is None:
            return
        self.save_draft_now()
        self._drop_screening()

    def _drop_screening(self, refresh: bool = True) -> None:
        page, self.screening, self.referral_id = self.screening, None, None
        self.stack.setCurrentWidget(self.home)
        if page is not None:
            self.stack.removeWidget(page)
            page.setParent(None)  # out of the window's widget tree at once, not at the next event loop turn
            page.deleteLater()
        if refresh:
            self.refresh_home()
            self.home.table.setFocus()

    def confirm(self, screening: ScreeningInput, decision: DecisionInput) -> None:
        if self.referral_id is None:
            return
        self.autosave.stop()
        try:
            complete_screening(self.store, self.user, self.referral_id, screening, decision, ruleset=self.ruleset,
                               in_meeting=self.screening is not None and self.screening.in_meeting.isChecked())  # fmt: skip
        except StoreError as exc:
            QMessageBox.warning(self, "Decision not saved", f"{exc}\n\nYour answers are kept as a draft.")
            self.save_draft_now()
            return
        referral_id = self.referral_id
        self.statusBar().showMessage("Screening and decision saved · Ctrl+L: letters", 5000)
        self._drop_screening()
        self.offer_letters(referral_id)

    # --- letters ---------------------------------------------------------------------------------

    def open_letters(self) -> None:
        """The letters of the referral selected in the list (Ctrl+L)."""
        referral_id = self.home.selected_referral() if self.screening is None else None
        if referral_id is None:
            return
        dialog = self._letter_dialog(referral_id, explain=True)
        if dialog is not None:
            dialog.exec()
            dialog.deleteLater()
            self._after_letters()

    def offer_letters(self, referral_id: str) -> None:
        """Right after a decision: the letters, without blocking (Escape closes them)."""
        dialog = self._letter_dialog(referral_id, explain=False)
        if dialog is not None:
            dialog.finished.connect(lambda _r: self._after_letters())
            dialog.finished.connect(dialog.deleteLater)
            dialog.open()

    def _letter_dialog(self, referral_id: str, *, explain: bool) -> LetterDialog | None:
        # reportlab and the letter layout load on first use: a start of the app does not pay for them.
        from triage.ui.letter_dialog import LetterDialog

        try:
            subject = decided_referral(self.store, self.user, referral_id)
        except StoreError as exc:
            if explain:
                QMessageBox.information(self, "No letters yet", f"No letter can be written: {exc}.")
            return None
        return LetterDialog(self.store, subject, settings=self.settings, user=self.user, ruleset=self.ruleset,
                            parent=self)

    def _after_letters(self) -> None:
        # The status may now be letter sent; but a dialog closed by the idle lock must not refill the list.
        if not self.locked:
            self.refresh_home()

    # --- the idle lock ---------------------------------------------------------------------------

    @property
    def locked(self) -> bool:
        return self.lock_page is not None

    def lock(self) -> None:
        """Save the draft, then take every patient detail out of the window."""
        if self.locked or self.unlock_check is None:
            return
        self._locked_referral = self.referral_id
        self.save_draft_now()
        for dialog in QApplication.topLevelWidgets():
            if isinstance(dialog, QDialog) and dialog.isVisible():
                dialog.reject()  # a half-typed new referral goes; the high-risk alert refuses and stays
        self._drop_screening(refresh=False)
        self.model.clear()
        self.home.search.clear()
        self.home._debounce.stop()  # clearing the search must not refill the list behind the lock
        self.home.drafts.clear()
        self.home.drafts_banner.setVisible(False)
        self.home.count.clear()
        for action in self.patient_actions:
            action.setEnabled(action.shortcut() == QKeySequence("Ctrl+Q"))
        self.lock_page = LockPage(self.user.username, self.unlock_check)
        self._enable_admin()  # locked now: every admin action off
        self.lock_page.unlocked.connect(self.unlock)
        self.stack.addWidget(self.lock_page)
        self.stack.setCurrentWidget(self.lock_page)
        self.lock_page.password.setFocus()
        if self.on_lock_change:
            self.on_lock_change("lock")

    def unlock(self) -> None:
        if self.lock_page is None:
            return
        page, self.lock_page = self.lock_page, None
        self.stack.setCurrentWidget(self.home)
        self.stack.removeWidget(page)
        page.deleteLater()
        self._enable_for_role()
        self._enable_admin()
        if self.on_lock_change:
            self.on_lock_change("unlock")
        self.refresh_home()
        if self._locked_referral:
            self.open_referral(self._locked_referral)
        self._locked_referral = None
        if self.idle_monitor:
            self.idle_monitor.timer.start()

    def open_audit_trail(self) -> None:
        """The admin's audit trail viewer (Ctrl+Shift+A); the services refuse other roles."""
        from triage.ui.audit_viewer import open_audit_viewer

        self._run_admin_dialog(open_audit_viewer)

    def open_users(self) -> None:
        """The admin's Users dialog (Ctrl+Shift+U); the services refuse other roles."""
        from triage.ui.users_dialog import open_users_dialog

        self._run_admin_dialog(open_users_dialog)

    def _run_admin_dialog(self, opener: Callable[[Store, User, QWidget], QDialog | None]) -> None:
        """``opener`` returns None after saying why the services refused (and nothing opens while locked)."""
        if self.locked:
            return
        dialog = opener(self.store, self.user, self)
        if dialog is not None:
            dialog.exec()
            dialog.deleteLater()
            self.activateWindow()

    def show_matrix(self) -> None:
        MatrixView(self.ruleset, self).exec()

    def open_settings(self) -> None:
        dialog = SettingsDialog(self.store, self.ruleset, self.settings, self.user, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.settings = dialog.saved_settings or self.settings

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        self.save_draft_now()
        super().closeEvent(event)
