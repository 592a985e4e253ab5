"""The look: one bundled font (so screenshots are reproducible), Fusion, calm spacing, visible focus.

Sizes are relative to the system font's point size, so text follows the user's font-size setting.

At start-up (``triage.ui.app``) the first window is themed with the regular and bold faces only, in an
application created in the Fusion style (``new_application``); the italic faces are registered once
that window is up (``load_fonts(LATER_FACES)``). ``apply_theme(app)`` on its own does the whole theme.
"""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from triage.resources import resource_path

FONT_FAMILY = "Atkinson Hyperlegible"
FONT_FILES = ("Regular", "Bold", "Italic", "BoldItalic")
# What the login and set-up windows draw with (body text, headings, <b>); no italics there.
FIRST_FACES = ("Regular", "Bold")
LATER_FACES = tuple(face for face in FONT_FILES if face not in FIRST_FACES)
STYLE_NAME = "Fusion"

# Focus is shown by a thick outline *and* a change of background, never by colour alone; risk and
# warnings always carry words as well as colour.
STYLE = """
QWidget:focus { outline: none; }
QLineEdit:focus, QPlainTextEdit:focus, QComboBox:focus, QDateEdit:focus, QSpinBox:focus,
QPushButton:focus, QCheckBox:focus, QListWidget:focus, QTableView:focus {
    border: 2px solid #1d4f91;
}
QPushButton { padding: 6px 14px; }
*[answerRow="true"] { border: 2px solid transparent; border-radius: 4px; }
*[answerRow="true"]:focus { border: 2px solid #1d4f91; background: #e8f0fb; }
QToolButton { padding: 2px 6px; border: 1px solid #c4c9d0; border-radius: 4px; background: #ffffff; }
QToolButton:checked { background: #1d4f91; color: #ffffff; font-weight: bold; border: 2px solid #0f2d55; }
QLabel[role="heading"] { font-weight: bold; }
QFrame[role="panel"] { background: #f6f7f9; border: 1px solid #d0d4da; border-radius: 6px; }
QLabel[role="recommendation"] { font-weight: bold; border: 2px solid #1d4f91; border-radius: 6px; padding: 8px; background: #ffffff; }
QLabel[role="alert"] { font-weight: bold; border: 2px solid #8a1c1c; border-radius: 6px; padding: 8px; background: #fbeaea; color: #5c0f0f; }
QLabel[role="warning"] { border: 2px solid #8a6d00; border-radius: 6px; padding: 6px; background: #fff7d6; color: #3d3000; }
QTextEdit[readOnlyText="true"] { border: 2px solid transparent; border-radius: 4px; }
QTextEdit[readOnlyText="true"]:focus { border: 2px solid #1d4f91; background: #e8f0fb; }
QFrame[role="patient"] { background: #f6f7f9; border: 2px solid #1d4f91; border-radius: 6px; }
QFrame[role="patient"][risk="high"] { background: #fbeaea; border: 3px solid #8a1c1c; }
QLabel[role="banner"] { font-weight: bold; padding: 8px; background: #fff3cd; color: #5c4400; border-bottom: 2px solid #8a6d00; }
"""


def load_fonts(faces: tuple[str, ...] = FONT_FILES) -> str:
    """Register the bundled font's ``faces``; returns the family actually available (falls back to the
    system's)."""
    families: set[str] = set()
    for style in faces:
        font_id = QFontDatabase.addApplicationFont(str(resource_path("fonts", f"AtkinsonHyperlegible-{style}.ttf")))
        if font_id >= 0:
            families.update(QFontDatabase.applicationFontFamilies(font_id))
    return FONT_FAMILY if FONT_FAMILY in families else QApplication.font().family()


def new_application(argv: list[str]) -> QApplication:
    """A new QApplication already in the Fusion style (Qt's ``-style`` option; it wins over
    QT_STYLE_OVERRIDE and any ``-style`` in ``argv``). The same style as ``setStyle`` after the fact,
    without PySide wrapping the QStyle that ``setStyle`` returns: building that Python type (all of
    QStyle's enums) costs about 7 ms of a start."""
    return QApplication([*argv, "-style", STYLE_NAME])


def apply_theme(app: QApplication, *, faces: tuple[str, ...] = FONT_FILES, styled: bool = False) -> None:
    """Fusion, the bundled font (``faces`` of it registered now) and the style sheet. ``styled``: the
    application was made by ``new_application``, so it is in Fusion already."""
    if not styled:
        app.setStyle(STYLE_NAME)
    size = app.font().pointSizeF()
    font = QFont(load_fonts(faces))
    font.setPointSizeF(max(size, 10.0))
    app.setFont(font)
    app.setStyleSheet(STYLE)


def scaled(points: float) -> float:
    """A size relative to the application font (1.0 = body text)."""
    return QApplication.font().pointSizeF() * points
