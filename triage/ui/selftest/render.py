"""Step "render": the bundled QtPdf renders a letter as the letter window previews it.

It renders page 1 of the GP letter built by the letters step to an image and checks it looks like a
printed letter: neither blank nor mostly dark.
"""

from __future__ import annotations

from triage.ui.selftest.pages import MAX_INK, MIN_INK, page_ink, qtpdf
from triage.ui.selftest.runner import Run, StepFailed
from triage.ui.selftest.windows import qt_application


def check(run: Run) -> str:
    qt_application()
    QPdfDocument = qtpdf()

    pdf = run.folder / "gp-letter.pdf"
    pdf.write_bytes(run.letters["gp"].pdf)
    document = QPdfDocument(None)
    try:
        error = document.load(str(pdf))
        if error != QPdfDocument.Error.None_:
            raise StepFailed(f"QtPdf cannot open the GP letter ({error.name})")
        image, ink = page_ink(document, 0)
    finally:
        document.close()
    if ink < MIN_INK:
        raise StepFailed(f"page 1 of the GP letter rendered blank ({ink:.2%} ink)")
    if ink > MAX_INK:
        raise StepFailed(f"page 1 of the GP letter rendered mostly dark ({ink:.0%} ink): not a letter")
    return f"page 1 of the GP letter rendered {image.width()}x{image.height()}, {ink:.1%} ink"
