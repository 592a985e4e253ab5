#!/usr/bin/env python3
"""Set-up-free entry points for a fresh machine with Python 3.11+ (see README).

    python3 dev.py app            start the desktop app
    python3 dev.py test [ARGS]    install what the tests need, then run the whole suite (pytest ARGS)
    python3 dev.py bench          run the benchmarks under bench/
    python3 dev.py typecheck      type-check with mypy as [tool.mypy] in pyproject.toml says (mypy ARGS after it)
    python3 dev.py triage ARGS    run the command line, e.g. `python3 dev.py triage rules show`

Everything is installed into ./.venv, again only when pyproject.toml changes.
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
EXTRAS = {"app": "", "triage": "", "test": "dev", "bench": "dev,bench", "typecheck": "dev"}


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_installed(extras: str) -> Path:
    if sys.version_info < (3, 11):
        sys.exit(f"triage needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    python = venv_python()
    if not python.exists():
        print("creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    stamp = VENV / f".installed-{extras or 'base'}"
    if not stamp.exists() or stamp.read_text() != wanted:
        print(f"installing triage{f'[{extras}]' if extras else ''} into .venv ...", flush=True)
        target = f".[{extras}]" if extras else "."
        pip = [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
        subprocess.run(pip + ["--upgrade", "pip"], check=True, cwd=ROOT)
        subprocess.run(pip + ["-e", target], check=True, cwd=ROOT)
        stamp.write_text(wanted)
    return python


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in EXTRAS:
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    try:
        python = ensure_installed(EXTRAS[command])
    except subprocess.CalledProcessError:
        print("error: installing into .venv failed (pip's message is above); nothing was run", file=sys.stderr)
        return 1
    env = dict(os.environ)
    if command == "test":
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
        return subprocess.call([str(python), "-m", "pytest", *rest], cwd=ROOT, env=env)
    if command == "typecheck":
        return subprocess.call([str(python), "-m", "mypy", *rest], cwd=ROOT, env=env)
    if command == "bench":
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
        return subprocess.call([str(python), "-m", "bench", *rest], cwd=ROOT, env=env)
    return subprocess.call([str(python), "-m", "triage", *rest], env=env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
