"""Writing files so that a crash or a full disk leaves the old file or the new one, never half of one:
write beside the target, flush to disk, rename over it, then flush the folder."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any


@contextmanager
def atomic_stream(path: Path, mode: str = "wb", **open_args: Any) -> Iterator[IO[Any]]:
    """A stream whose content replaces ``path`` only when the ``with`` block ends without an error."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(handle, mode, **open_args) as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    fsync_folder(path.parent)


def atomic_write(path: Path, data: bytes) -> None:
    with atomic_stream(path) as stream:
        stream.write(data)


def fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (a power cut must not undo it)."""
    if os.name == "nt":  # pragma: no cover - Windows cannot open a folder; NTFS journals the rename
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
