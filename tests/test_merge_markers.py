"""No merge-conflict marker is left in a tracked file: one was found inside a docstring of
triage/settings.py, where neither Python nor the linters notice it."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The opening and closing markers git writes; "=======" alone is also a Markdown heading underline.
MARKER = re.compile(r"^(<{7}|>{7}) ", re.MULTILINE)


def tracked_text_files() -> list[Path]:
    names = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    suffixes = {".py", ".md", ".yaml", ".yml", ".toml", ".json", ".txt", ".spec", ".cfg", ".ini", ""}
    return [ROOT / n for n in names.splitlines() if Path(n).suffix in suffixes and (ROOT / n).is_file()]


def test_no_tracked_file_holds_a_merge_conflict_marker() -> None:
    files = tracked_text_files()
    assert len(files) > 100  # the listing worked
    marked = [str(p.relative_to(ROOT)) for p in files if MARKER.search(p.read_text(encoding="utf-8", errors="replace"))]
    assert marked == []
