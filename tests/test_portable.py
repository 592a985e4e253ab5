"""The same app on Windows and macOS (issue 7): nothing in triage/ or build.spec uses a POSIX-only
module or call, or a hard-coded POSIX path. Those builds cannot run on this Linux machine; this keeps
the code from drifting away from them between the times they are built (docs/building.md)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
POSIX_MODULES = {"fcntl", "pwd", "grp", "termios", "tty", "pty", "resource", "posix", "crypt", "syslog", "spwd"}
POSIX_CALLS = {
    "os": {"fork", "forkpty", "getuid", "geteuid", "getgid", "getegid", "chown", "lchown", "setsid", "killpg",
           "mkfifo", "getpgid", "setuid", "setgid", "O_DIRECTORY", "O_NOFOLLOW", "statvfs", "sync", "uname"},
    "signal": {"SIGKILL", "SIGHUP", "SIGUSR1", "SIGUSR2", "SIGALRM", "SIGCHLD", "SIGPIPE", "SIGQUIT", "alarm",
               "pause", "setitimer"},
}  # fmt: skip
POSIX_PATHS = ("/tmp", "/usr", "/etc", "/dev/", "/proc", "/var/", "/run/", "/home/", "~/")
# (file, name or path): a use reviewed and guarded for the other platforms.
REVIEWED = {
    ("triage/store/location.py", "/proc/mounts"),  # Linux's mount table; elsewhere its absence is handled
    ("triage/services/export_file.py", "/proc/self/fd"),  # O_TMPFILE's link; elsewhere a named part file
    ("triage/cli/common.py", "/dev/tty"),  # is there a terminal to ask on; Windows asks the console
}


def sources() -> list[Path]:
    return [*sorted((ROOT / "triage").rglob("*.py")), ROOT / "build.spec"]


def docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(body, list)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
        ):
            found.add(id(body[0].value))
    return found


def problems_in(path: Path, root: Path = ROOT) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = docstrings(tree)
    where = path.relative_to(root).as_posix()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name.split(".")[0] for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [(node.module or "").split(".")[0]]
        else:
            names = []
        found += [f"{where}:{node.lineno}: imports {n} (POSIX only)" for n in names if n in POSIX_MODULES]
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.attr in POSIX_CALLS.get(node.value.id, set()) and (where, node.attr) not in REVIEWED:
                found.append(f"{where}:{node.lineno}: {node.value.id}.{node.attr} (POSIX only)")
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            if node.value.startswith(POSIX_PATHS) and (where, node.value) not in REVIEWED:
                found.append(f"{where}:{node.lineno}: the path {node.value[:30]!r} exists on POSIX systems only")
    return sorted(found, key=lambda line: int(line.split(":")[1]))


def test_no_posix_only_module_call_or_path_in_the_app_or_its_build() -> None:
    assert [p for path in sources() for p in problems_in(path)] == []


def test_the_check_finds_what_it_looks_for(tmp_path: Path) -> None:
    sample = tmp_path / "probe.py"
    sample.write_text('"""doc /tmp is fine here"""\nimport fcntl, os, signal\nos.fork()\nx = signal.SIGKILL\n'
                      'p = "/tmp/x"\n', encoding="utf-8")  # fmt: skip
    found = problems_in(sample, tmp_path)
    assert [line.split(": ", 1)[1] for line in found] == [
        "imports fcntl (POSIX only)", "os.fork (POSIX only)", "signal.SIGKILL (POSIX only)",
        "the path '/tmp/x' exists on POSIX systems only"]  # fmt: skip
