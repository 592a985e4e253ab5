"""Page 1 of each kind of letter rendered to PNG with pdftoppm, for people to look at.

The test writes into a temporary folder; to refresh the pictures the README shows, run it with
``TRIAGE_SCREENSHOTS=docs/screenshots`` (poppler versions differ, so a normal run never touches
the working tree)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.letters.cases import CASES, build
from tests.needs import needs

SHOWN = {
    "gp": "cmht-complexity-impairment",
    "patient": "core-step3-severity-medium-risk",
    "referral-on": "cmht-complexity-impairment",
}


@pytest.mark.parametrize("kind", sorted(SHOWN))
def test_page_one_rendered_to_png(kind: str, tmp_path: Path) -> None:
    pdftoppm = shutil.which("pdftoppm")
    needs(pdftoppm is not None, "pdftoppm (poppler-utils) is not installed")
    assert pdftoppm is not None
    pdf = tmp_path / f"{kind}.pdf"
    pdf.write_bytes(build(CASES[SHOWN[kind]], kind).pdf)
    folder = Path(os.environ.get("TRIAGE_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"letter-{kind}"
    done = subprocess.run(
        [pdftoppm, "-png", "-r", "110", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(target)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    png = target.with_suffix(".png")
    assert png.read_bytes().startswith(b"\x89PNG")
    assert png.stat().st_size > 20_000  # a page with text on it, not a blank
