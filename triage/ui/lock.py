"""The idle lock: after a few minutes without a key press or a click the window locks. Locking saves
the draft and takes every patient detail out of the window (not merely out of sight); unlocking
needs the user's password and puts the screening back from its draft."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

ACTIVITY = {
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
}  # fmt: skip


class IdleMonitor(QObject):
    """Emits ``idle`` after ``minutes`` without user input anywhere in the application."""

    idle = Signal()

    def __init__(self, minutes: float, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.timer = QTimer(self, singleShot=True, interval=max(1, int(minutes * 60_000)))
        self.timer.timeout.connect(self.idle)
        QApplication.instance().installEventFilter(self)  # type: ignore[union-attr]
        self.timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in ACTIVITY:
            self.timer.start()
        return False

    def stop(self) -> None:
        self.timer.stop()
        QApplication.instance().removeEventFilter(self)  # type: ignore[union-attr]


class LockPage(QWidget):
    """What a locked window shows: who it is locked for, and a password box. Nothing about patients."""

    unlocked = Signal()
    switch_requested = Signal()  # "Switch user": the next person on a shared PC logs in (app.py's Sessions)

    def __init__(self, who: str, check: Callable[[str], bool], parent: QWidget | None = None, *,
                 switch: bool = False, draft_saved: bool = False) -> None:  # fmt: skip
        super().__init__(parent)
        self.check = check
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        # Only what happened: a screening open when the lock came was saved as a draft; with none open
        # (the referral list, a new referral being typed) there was no draft to save.
        saved = " Your screening in progress was saved as a draft." if draft_saved else ""
        title = QLabel(f"<h2>triage is locked</h2>Locked for {who} after a period without use.{saved} "
                       "Enter your password to carry on.")  # fmt: skip
        title.setWordWrap(True)
        layout.addWidget(title)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Password")
        self.password.setPlaceholderText("Password")
        self.password.returnPressed.connect(self.try_unlock)
        layout.addWidget(self.password)
        self.unlock = QPushButton("&Unlock")
        self.unlock.setAccessibleName("Unlock")
        self.unlock.clicked.connect(self.try_unlock)
        layout.addWidget(self.unlock)
        self.switch = QPushButton("S&witch user")  # W, as in the My account menu (keymap.py)
        self.switch.setAccessibleName("Switch user")
        self.switch.setAccessibleDescription("Your screening stays your draft; someone else logs in")
        self.switch.clicked.connect(self.switch_requested)
        self.switch.setVisible(switch)
        layout.addWidget(self.switch)
        self.message = QLabel()
        self.message.setProperty("role", "warning")
        self.message.setAccessibleName("Unlock message")
        self.message.setVisible(False)
        layout.addWidget(self.message)
        layout.addStretch(2)

    def try_unlock(self) -> None:
        password = self.password.text()
        self.password.clear()  # never kept, right or wrong
        if password and self.check(password):
            self.message.setVisible(False)
            self.unlocked.emit()
        else:
            self.message.setText("That password is not right. Try again.")
            self.message.setVisible(True)
            self.password.setFocus()
