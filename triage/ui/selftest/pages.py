"""A letter's PDF pages read back with QtPdf, as the letter window previews them: a page rendered on
white paper, and its ink (the share of its pixels clearly darker than the paper).

A page looks like a printed letter when its ink is between MIN_INK and MAX_INK.
"""

from __future__ import annotations

from typing import Any

from triage.ui.selftest.runner import StepFailed

MIN_INK, MAX_INK = 0.002, 0.5


def qtpdf() -> Any:
    """QtPdf's QPdfDocument, or the step fails saying what to install."""
    try:
        from PySide6.QtPdf import QPdfDocument
    except ImportError:
        raise StepFailed("QtPdf is not installed (package pyside6-addons): letters cannot be previewed") from None
    return QPdfDocument


def page_ink(document: Any, page: int, width: int = 600) -> tuple[Any, float]:
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
    return image, ink(paper.convertToFormat(QImage.Format.Format_Grayscale8))


def ink(gray: Any) -> float:
    """The share of pixels clearly darker than white paper, in an 8-bit grayscale QImage."""
    width, height, stride = gray.width(), gray.height(), gray.bytesPerLine()
    data = bytes(gray.constBits())
    light = bytes(range(160, 256))
    dark = sum(len(data[row * stride : row * stride + width].translate(None, light)) for row in range(height))
    return dark / (width * height)
