"""The look: one bundled font (so screenshots are reproducible), Fusion, calm spacing, visible focus.

Sizes are relative to the system font's point size, so text follows the user's font-size setting.
"""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from triage.resources import resource_path

FONT_FAMILY = "Atkinson Hyperlegible"
FONT_FILES = ("Regular", "Bold", "Italic", "BoldItalic")

# Focus is shown by a thick outline *and* a change of background, never by colour alone; risk and
# warnings always carry words as well as colour.
STYLE = """
QWidget:focus { outline: none; }
QLineEdit:focus, QPlainTextEdit:focus, QComboBox:focus, QDateEdit:focus, QSpinBox:focus,
QPushButton:focus, QCheckBox:focus, QListWidget:focus, QTableView:focus {
    border: 2px solid #1d4f91;
}
QPushButton { padding: 6px 14px; }
QPushButton:default { font-weight: bold; }
*[answerRow="true"] { border: 2px solid transparent; border-radius: 4px; }
*[answerRow="true"]:focus { border: 2px solid #1d4f91; background: #e8f0fb; }
QToolButton { padding: 2px 6px; border: 1px solid #c4c9d0; border-radius: 4px; background: #ffffff; }
QToolButton:checked { background: #1d4f91; color: #ffffff; font-weight: bold; border: 2px solid #0f2d55; }
QLabel[role="heading"] { font-weight: bold; }
QFrame[role="panel"] { background: #f6f7f9; border: 1px solid #d0d4da; border-radius: 6px; }
QLabel[role="recommendation"] { font-weight: bold; border: 2px solid #1d4f91; border-radius: 6px; padding: 8px; background: #ffffff; }
QLabel[role="alert"] { font-weight: bold; border: 2px solid #8a1c1c; border-radius: 6px; padding: 8px; background: #fbeaea; color: #5c0f0f; }
QLabel[role="warning"] { border: 2px solid #8a6d00; border-radius: 6px; padding: 6px; background: #fff7d6; color: #3d3000; }
QLabel[role="banner"] { font-weight: bold; padding: 8px; background: #fff3cd; color: #5c4400; border-bottom: 2px solid #8a6d00; }
"""


def load_fonts() -> str:
    """Register the bundled font; returns the family actually available (falls back to the system's)."""
    families: set[str] = set()
    for style in FONT_FILES:
        font_id = QFontDatabase.addApplicationFont(str(resource_path("fonts", f"AtkinsonHyperlegible-{style}.ttf")))
        if font_id >= 0:
            families.update(QFontDatabase.applicationFontFamilies(font_id))
    return FONT_FAMILY if FONT_FAMILY in families else QApplication.font().family()


def apply_theme(app: QApplication) -> None:
    app.setStyle("Fusion")
    size = app.font().pointSizeF()
    font = QFont(load_fonts())
    font.setPointSizeF(max(size, 10.0))
    app.setFont(font)
    app.setStyleSheet(STYLE)


def scaled(points: float) -> float:
    """A size relative to the application font (1.0 = body text)."""
    return QApplication.font().pointSizeF() * points
