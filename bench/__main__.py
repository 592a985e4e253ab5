"""Run the benchmarks: ``python -m bench`` runs every ``bench/bench_*.py``; ``python -m bench NAME ...``
runs the named ones (``routing`` for bench_routing.py). See bench/__init__.py to add one."""

from __future__ import annotations

import importlib
import os
import platform
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent


def available() -> list[str]:
    return sorted(path.stem.removeprefix("bench_") for path in HERE.glob("bench_*.py"))


def main(argv: list[str]) -> int:
    names = available()
    if any(arg in ("-h", "--help") for arg in argv):
        print(__doc__)
        print("benchmarks:", ", ".join(names) or "none")
        return 0
    unknown = [arg for arg in argv if arg not in names]
    if unknown:
        print(f"error: no benchmark {', '.join(unknown)}; the benchmarks are {', '.join(names)}", file=sys.stderr)
        return 2
    chosen = argv or names

    print(
        f"Python {platform.python_version()} ({platform.python_implementation()}), "
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs"
    )
    failed = []
    for name in chosen:
        module = importlib.import_module(f"bench.bench_{name}")
        title = (module.__doc__ or name).strip().splitlines()[0]
        print(f"\n== {name}: {title}")
        start = time.perf_counter()
        try:
            lines = module.run()
        except Exception:
            sys.stdout.flush()
            traceback.print_exc()
            print(f"FAILED: benchmark {name} (traceback above); no figures", flush=True)
            failed.append(name)
            continue
        for line in lines:
            print(f"  {line}")
        print(f"  ({time.perf_counter() - start:.1f} s)")
    if failed:
        print(f"\n{len(failed)} benchmark(s) failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
