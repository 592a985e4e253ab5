"""Where the shipped resources (rulesets, questionnaires, later letter text and fonts) live.

One lookup for every way the app runs: frozen by PyInstaller (bundled beside the executable),
installed from a wheel (copied into the package as ``triage/_resources``) or run from a source
checkout (the top-level ``resources/`` folder).
"""

from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def resources_root() -> Path:
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "resources"
    installed = Path(__file__).with_name("_resources")
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    return resources_root().joinpath(*parts)
