"""Windows that fit the screen they open on.

The service's laptops have 1366×768 and 1280×720 screens, less the taskbar, so no window may ask for
more than its screen has: a window's preferred size is a wish, cut to the room the screen gives, and
what must stay in reach (Print, Save, Continue) sits in layouts that shrink a scrolling part first.
Dialogs whose wrapped text grows while they are open (an error, the recovery key) are sized to their
content again, because Qt leaves a word-wrapped label's height for width out of a window's minimum size
and would otherwise keep the window shorter than its text; a window that grew past the bottom of its
screen is moved back onto it.

Loaded with the login window, so only QtCore, QtGui and QtWidgets.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QPoint, QSize, Slot
from PySide6.QtGui import QScreen
from PySide6.QtWidgets import QApplication, QScrollArea, QWidget
from shiboken6 import isValid

# What the window manager adds around a window and its size leaves out: the title bar (about 30 px at
# 100 % on Windows 10 and 11) and the frame, with a margin. availableGeometry already leaves out the
# taskbar; the extra height also covers a screen whose available area is reported as the whole screen.
FRAME = QSize(16, 60)
SMALLEST = 200  # never sized below this, whatever a screen reports


def screen_of(window: QWidget) -> QScreen:
    """The screen a window is on or, before it is first shown, the screen its parent is on (Qt places a
    dialog over its parent)."""
    parent = window.parentWidget()
    if window.windowHandle() is None and parent is not None:
        return parent.window().screen()
    return window.screen()


def room(window: QWidget) -> QSize:
    """The largest size the window's own area (without frame and title bar) may take on its screen."""
    area = screen_of(window).availableGeometry().size()
    return QSize(max(area.width() - FRAME.width(), SMALLEST), max(area.height() - FRAME.height(), SMALLEST))


def fit_to_screen(window: QWidget, wanted: QSize) -> None:
    """Resize to ``wanted``, or as much of it as the window's screen has room for."""
    window.resize(wanted.boundedTo(room(window)))


def fit_to_content(window: QWidget, width: int) -> None:
    """Make the window ``width`` wide (less on a narrower screen) and as tall as its content needs at that
    width, word-wrapped labels in full; it cannot be made smaller than that (so no text can be clipped)
    and is kept on its screen. Call again whenever the content changes."""
    layout = window.layout()
    if layout is not None:
        layout.invalidate()
        layout.activate()
    space = room(window)
    width = min(max(width, window.minimumSizeHint().width()), space.width())
    height = window.heightForWidth(width) if window.hasHeightForWidth() else window.sizeHint().height()
    height = min(max(height, window.minimumSizeHint().height()), space.height())
    window.setMinimumSize(width, height)
    kept = window.size() if window.isVisible() else QSize(0, 0)  # a size given by hand; not Qt's 640×480 default
    window.resize(QSize(width, height).expandedTo(kept).boundedTo(space))
    keep_on_screen(window)


def keep_on_screen(window: QWidget) -> None:
    """Move a shown window (its frame) back inside its screen's available area if it reaches past it."""
    if not window.isVisible():
        return  # QDialog centres a dialog on its parent or screen, inside it, as it is shown
    area = screen_of(window).availableGeometry()
    frame = window.frameGeometry()
    x = max(area.left(), min(frame.left(), area.right() + 1 - frame.width()))
    y = max(area.top(), min(frame.top(), area.bottom() + 1 - frame.height()))
    if (x, y) != (frame.left(), frame.top()):
        window.move(QPoint(x, y))  # a window's position is its frame's


class _FocusFollower(QObject):
    """Scrolls its parent area to the focused widget; a child of the area, so Qt disconnects it from
    the application's signal when the area goes (a plain function would outlive a closed dialog)."""

    def __init__(self, area: QScrollArea) -> None:
        super().__init__(area)
        self.area = area

    @Slot(QWidget, QWidget)
    def moved(self, _old: QWidget | None, new: QWidget | None) -> None:
        if not isValid(self.area):  # focus moves while the area itself is being destroyed
            return
        content = self.area.widget()
        if new is not None and content is not None and content.isAncestorOf(new):
            self.area.ensureWidgetVisible(new, 20, 40)


def follow_focus(area: QScrollArea) -> None:
    """Scroll ``area`` to whatever takes the keyboard focus inside it. Qt scrolls for Tab, but not for
    an access key (Alt+B in Settings focused a control below the fold, out of sight on 1280x720)."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    app.focusChanged.connect(_FocusFollower(area).moved)
