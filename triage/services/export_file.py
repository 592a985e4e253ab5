"""Where an export's plaintext goes while it is being written.

An export is plaintext (the store is encrypted; the file is not), so an unfinished one must not
outlive the process that writes it. On Linux the file is written with ``O_TMPFILE``: it has no name
until it is complete, and the kernel frees it if the process dies, even by SIGKILL. It is then linked
under a hidden name beside the target and renamed over it, so a reader never sees half a file.
Elsewhere (or on a file system without ``O_TMPFILE``) it is written under the hidden name
``.NAME.XXXX.part`` beside the target, and the next export to that target removes any such file
left by an export that was killed (``remove_leftovers``).
"""

from __future__ import annotations

import glob
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from triage.files import atomic_stream, fsync_folder

_PROC_FD = Path("/proc/self/fd")


def leftovers(path: Path) -> list[Path]:
    """The hidden part files an unfinished export to ``path`` can leave (the names atomic_stream uses)."""
    return sorted(path.parent.glob(f".{glob.escape(path.name)}.*.part"))


def remove_leftovers(path: Path) -> int:
    """Remove the part files left beside ``path`` by an export that was stopped; how many."""
    removed = 0
    for part in leftovers(path):
        try:
            part.unlink()
            removed += 1
        except FileNotFoundError:
            continue
    return removed


@contextmanager
def export_stream(path: Path, **open_args: Any) -> Iterator[IO[str]]:
    """A text stream whose content replaces ``path`` when the block ends without an error; an error or
    a killed process leaves whatever was at ``path`` before."""
    descriptor = _anonymous_file(path.parent)
    if descriptor is None:
        with atomic_stream(path, "w", **open_args) as stream:
            yield stream
        return
    with os.fdopen(descriptor, "w", **open_args) as stream:
        yield stream
        stream.flush()
        os.fsync(stream.fileno())
        named = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
        _link(stream.fileno(), named)
    try:
        os.replace(named, path)
    except BaseException:
        named.unlink(missing_ok=True)
        raise
    fsync_folder(path.parent)


def _link(descriptor: int, named: Path) -> None:
    # linkat(fd of /proc/self/fd, "N", AT_FDCWD, named, AT_SYMLINK_FOLLOW), as open(2) describes for
    # O_TMPFILE; os.link uses plain link() (which does not follow the magic link) without a dir fd.
    proc = os.open(_PROC_FD, os.O_RDONLY)
    try:
        os.link(str(descriptor), named, src_dir_fd=proc, follow_symlinks=True)
    finally:
        os.close(proc)


def _anonymous_file(folder: Path) -> int | None:
    # An unnamed file in ``folder`` (same file system as the target), or None where there is none.
    flag = getattr(os, "O_TMPFILE", None)
    if flag is None or not _PROC_FD.is_dir():
        return None
    try:
        return os.open(folder, flag | os.O_WRONLY, 0o600)
    except OSError:  # the file system does not support it (EOPNOTSUPP, EISDIR on old kernels)
        return None
