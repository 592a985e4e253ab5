"""Draws the app icon (triage.png, .ico, .icns) with Qt offscreen and Pillow. Not bundled.

A rounded square in NHS blue; one white path comes in from below and forks into three routes,
each ending in a dot: a referral, and the matrix sending it on. Run from the repository root:

    QT_QPA_PLATFORM=offscreen .venv/bin/python resources/icons/draw_icon.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PIL import Image
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QGuiApplication, QImage, QPainter, QPainterPath, QPen

HERE = Path(__file__).resolve().parent
SIZE = 1024
BLUE, DARK = QColor("#005eb8"), QColor("#003d78")


def draw(size: int = SIZE) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.scale(size / 1024, size / 1024)
    # The tile: 1024 canvas, 64 margin (macOS grid), corner radius about 22 %.
    tile = QRectF(64, 64, 896, 896)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QBrush(BLUE))
    p.drawRoundedRect(tile, 200, 200)
    p.setBrush(QBrush(DARK))  # a quiet lower band for depth
    band = QPainterPath()
    band.addRoundedRect(tile, 200, 200)
    lower = QPainterPath()
    lower.addRect(QRectF(64, 700, 896, 260))
    p.drawPath(band.intersected(lower))
    # The routes: a trunk from the bottom, forking at (512, 560) to three ends.
    pen = QPen(QColor("white"), 64, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)
    fork, ends = QPointF(512, 560), (QPointF(292, 300), QPointF(512, 260), QPointF(732, 300))
    p.drawLine(QPointF(512, 800), fork)
    for end in ends:
        path = QPainterPath(fork)
        path.cubicTo(QPointF(512, 470), QPointF(end.x(), 430), QPointF(end.x(), end.y() + 40))
        p.drawPath(path)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QBrush(QColor("white")))
    for end in ends:
        p.drawEllipse(end, 62, 62)
    p.end()
    return image


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 - needed for painting
    png = HERE / "triage.png"
    draw(SIZE).save(str(png))
    base = Image.open(png).convert("RGBA")
    base.resize((256, 256), Image.Resampling.LANCZOS).save(HERE / "triage-256.png")
    base.save(HERE / "triage.ico", sizes=[(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (128, 128), (256, 256)])
    base.save(HERE / "triage.icns")
    for name in ("triage.png", "triage-256.png", "triage.ico", "triage.icns"):
        print(name, (HERE / name).stat().st_size)
    return 0


if __name__ == "__main__":
    sys.exit(main())
