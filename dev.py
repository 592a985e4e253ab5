#!/usr/bin/env python3
"""Set-up-free entry points for a fresh machine with Python 3.11+ (see README).

    python3 dev.py app            start the desktop app
    python3 dev.py test [ARGS]    run the whole test suite (pytest ARGS, e.g. one file or one test)
    python3 dev.py lint           the checks CI runs before the tests: ruff, mypy, import-linter
    python3 dev.py bench [NAME]   run the benchmarks under bench/ (docs/benchmarks.md)
    python3 dev.py triage ARGS    run the command line, e.g. `python3 dev.py triage rules show`

Everything is installed into ./.venv once, with the test and benchmark tools, so that any command
after the first starts at once; again only when pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
# One install serves every command: a second command never reinstalls (one stamp, one set of extras).
EXTRAS = "dev,bench"
STAMP = VENV / ".installed"
COMMANDS = ("app", "triage", "test", "lint", "bench")
# What `lint` runs, in order; each must pass. The paths and strictness live in pyproject.toml.
LINTERS = (("ruff", "check", "."), ("ruff", "format", "--check", "."), ("mypy",), ("lint-imports",))


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def venv_tool(name: str) -> Path:
    return VENV / ("Scripts" if os.name == "nt" else "bin") / (name + (".exe" if os.name == "nt" else ""))


# A .venv made before the Qt binding was pinned below 6.12 (pyproject.toml) still holds pyside6-pdf, which pip
# leaves behind. It writes into the same PySide6 folder as the essentials and addons wheels (QtPdf, __init__.py),
# so removing it alone would delete their files: the Qt wheels go together and the install brings the pinned ones.
STALE_QT = ("pyside6-pdf", "pyside6-addons", "pyside6-essentials", "shiboken6")


def remove_stale_qt(python: Path) -> None:
    pip = [str(python), "-m", "pip", "--disable-pip-version-check"]
    if subprocess.run(pip + ["show", "-q", STALE_QT[0]], cwd=ROOT, capture_output=True).returncode == 0:
        print(f"removing {STALE_QT[0]} and the Qt wheels it shares files with (reinstalled pinned) ...", flush=True)
        # -qq: no warning for a wheel of the four that is not there.
        subprocess.run(pip + ["uninstall", "-y", "-qq", *STALE_QT], check=True, cwd=ROOT)


def ensure_installed() -> Path:
    # dev.py runs under whatever python3 comes first on PATH, so it says plainly when that one is too old.
    if sys.version_info < (3, 11):  # noqa: UP036
        sys.exit(f"triage needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    python = venv_python()
    if not python.exists():
        print("creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + EXTRAS.encode()).hexdigest()
    if not STAMP.exists() or STAMP.read_text() != wanted:
        print(f"installing triage[{EXTRAS}] into .venv (once) ...", flush=True)
        pip = [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
        subprocess.run(pip + ["--upgrade", "pip"], check=True, cwd=ROOT)
        remove_stale_qt(python)
        subprocess.run(pip + ["-e", f".[{EXTRAS}]"], check=True, cwd=ROOT)
        STAMP.write_text(wanted)
    return python


def lint() -> int:
    failed = []
    for tool, *args in LINTERS:
        print(f"== {tool} {' '.join(args)}", flush=True)
        if not venv_tool(tool).exists():
            print(
                f"error: {tool} is not installed in .venv (it belongs in pyproject.toml's dev extra)", file=sys.stderr
            )
            failed.append(tool)
        elif subprocess.call([str(venv_tool(tool)), *args], cwd=ROOT) != 0:
            failed.append(tool)
    if failed:
        print(f"error: {', '.join(failed)} failed (see above)", file=sys.stderr)
    return 1 if failed else 0


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in COMMANDS:
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    try:
        python = ensure_installed()
    except subprocess.CalledProcessError:
        print("error: installing into .venv failed (pip's message is above); nothing was run", file=sys.stderr)
        return 1
    env = dict(os.environ)
    if command == "lint":
        return lint()
    if command in ("test", "bench"):
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
        module = "pytest" if command == "test" else "bench"
        return subprocess.call([str(python), "-m", module, *rest], cwd=ROOT, env=env)
    return subprocess.call([str(python), "-m", "triage", *rest], env=env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
