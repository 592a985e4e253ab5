"""Where the database lives, and refusing places where SQLite is not safe.

SQLite's locking is broken on network filesystems and sync clients copy a database mid-write
(sqlite.org/howtocorrupt.html, useovernet.html), so a ``.db`` file on a share or in OneDrive is
refused with a message; a team shares a PostgreSQL server instead.
"""

from __future__ import annotations

import os
import re
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path, PurePath
from typing import TYPE_CHECKING

import platformdirs

from triage.store.errors import StoreLocationError

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

DATABASE_ENV = "TRIAGE_DATABASE_URL"
INSECURE_DB_ENV = "TRIAGE_ALLOW_INSECURE_DB"
DATABASE_FILENAME = "triage.db"
# POSIX modes of what holds patient data: the database, its -wal/-shm, backups, kept copies (the key
# file and exports are written 0600 too). Windows: the per-user profile's ACLs (docs/building.md).
PRIVATE_FILE, PRIVATE_FOLDER = 0o600, 0o700
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")
_UMASK = threading.RLock()  # re-entrant: a connection opened inside another block

NETWORK_FILESYSTEMS = frozenset(
    {
        "nfs", "nfs4", "cifs", "smbfs", "smb3", "smb2", "afp", "afpfs", "ncpfs", "9p", "ceph", "glusterfs",
        "lustre", "gfs2", "ocfs2", "davfs", "fuse.davfs2", "fuse.sshfs", "sshfs", "fuse.rclone", "fuse.s3fs",
        "fuse.gcsfuse", "webdav",
    }
)  # fmt: skip

# Other databases SQLAlchemy names, which the unsupported-database message repeats: anything else before
# "://" could be anything typed, and is not repeated (found by tests/fuzz).
_OTHERS = frozenset({"mysql", "mariadb", "oracle", "mssql"})
_SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")

# Path components that mean "a sync client is watching this folder" (case-insensitive).
_SYNCED = re.compile(
    r"^(onedrive( - .*)?|dropbox( \(.*\))?|google ?drive|my drive|icloud ?drive|icloud|mobile documents"
    r"|com~apple~clouddocs|cloudstorage|box|box sync|pcloud drive|nextcloud|owncloud|mega)$",
    re.IGNORECASE,
)


# SQLite writes whole pages of at least 512 bytes: a file of another size is not a store.
SQLITE_MIN_PAGE = 512


def looks_like_a_store(path: Path) -> bool:
    """Whether the file at ``path`` can be a SQLite store at all: an empty (0-byte) or cut-short file
    (or a text or other file, which is seldom a whole number of pages) is not one, and must never be
    opened: SQLite would write an empty schema into it. Only ``triage init`` makes a store."""
    try:
        size = path.stat().st_size
    except OSError:
        return False
    return size > 0 and size % SQLITE_MIN_PAGE == 0


def not_a_store(path: Path) -> str:
    """What to say about a file ``looks_like_a_store`` refuses, wherever it was refused (the app's login
    window and the command line say the same)."""
    try:
        empty = path.stat().st_size == 0
    except OSError:
        empty = False
    what = "it is empty, 0 bytes" if empty else "it is not a whole number of pages: cut short, or not a store at all"
    return (
        f"the file at {path} is not a triage store ({what}); nothing was opened or changed. "
        "Restore it from a backup with `triage db restore`"
    )


def default_database_path() -> Path:
    """The per-user data folder (e.g. %LOCALAPPDATA%\\triage on Windows, ~/.local/share/triage on Linux)."""
    return platformdirs.user_data_path("triage", appauthor=False) / DATABASE_FILENAME


def resolve_database_url(database: str | os.PathLike[str] | None = None, *, mounts: Path | None = None) -> URL:
    """The URL to open: ``database`` (a URL or a file path) if given, else ``TRIAGE_DATABASE_URL``, else
    the default file. A SQLite file is checked with ``check_local_path``; only SQLite and
    PostgreSQL (psycopg 3) are accepted."""
    from sqlalchemy.engine import URL

    resolved = _resolve(database, mounts)
    if isinstance(resolved, Path):
        return URL.create("sqlite+pysqlite", database=str(resolved))
    return resolved


def local_store_path(database: str | os.PathLike[str] | None = None, *, mounts: Path | None = None) -> Path | None:
    """The SQLite file ``resolve_database_url`` would open (checked the same way), or None for a server.
    Without SQLAlchemy for the default file, ``TRIAGE_DATABASE_URL`` or ``database`` given as a path, so
    the app can decide on first run and name the store before the heavy modules are loaded."""
    resolved = _resolve(database, mounts)
    return resolved if isinstance(resolved, Path) else None


def _resolve(database: str | os.PathLike[str] | None, mounts: Path | None) -> Path | URL:
    """The one set of rules: a checked local SQLite file as a Path, or a PostgreSQL URL (TLS required)."""
    chosen: str | os.PathLike[str] | None = database if database not in (None, "") else os.environ.get(DATABASE_ENV)
    if not chosen:
        path = default_database_path()
        path.parent.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)  # the parents keep their modes
        make_private(path.parent)  # a folder an earlier version made 0755
        check_local_path(path, mounts=mounts)
        return path
    text = os.fspath(chosen)
    if "://" not in text:
        return _sqlite_path(Path(text), mounts)
    from sqlalchemy.engine import make_url  # only a URL needs SQLAlchemy to read it
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(text)
    except (ArgumentError, ValueError):  # ValueError: urllib's, e.g. an unclosed IPv6 bracket
        raise StoreLocationError("the database URL is not a valid URL") from None
    backend, _, driver = url.drivername.partition("+")
    if backend == "sqlite" and driver in ("", "pysqlite"):
        if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
            raise StoreLocationError(
                "an in-memory or URI SQLite database is refused: every referral would be lost at exit; give a file path"
            )
        return _sqlite_path(Path(url.database), mounts)
    if backend in ("postgresql", "postgres") and driver in ("", "psycopg"):
        return require_tls(url.set(drivername="postgresql+psycopg"))
    # Only a name SQLAlchemy itself knows is repeated: anything before "://" could be anything typed.
    named = (
        " driver" if backend in ("sqlite", "postgresql", "postgres") else f" {backend!r}" if backend in _OTHERS else ""
    )
    raise StoreLocationError(
        f"unsupported database{named}: use a SQLite file path or postgresql+psycopg://user@host/dbname"
    )


@contextmanager
def private_files() -> Iterator[None]:
    """Every file SQLite creates inside the block is the user's alone: umask 077 on POSIX, so the
    file is born 0600 (never readable by others, not even for a moment before a chmod). SQLite
    gives a database's -wal, -shm and -journal the mode of the database file itself. The umask is
    the process's: a lock keeps two threads from restoring each other's; another thread creating a
    file meanwhile only gets a stricter mode."""
    if os.name != "posix":  # pragma: no cover - Windows: the profile folder's ACLs apply
        yield
        return
    with _UMASK:
        previous = os.umask(0o077)
        try:
            yield
        finally:
            os.umask(previous)


def make_private(path: Path) -> None:
    """Tighten a database (and its -wal/-shm/-journal) or a data folder made before this version (or
    by a tool with a looser umask) to 0600 / 0700. POSIX only."""
    if os.name != "posix":  # pragma: no cover - Windows: the profile folder's ACLs apply
        return
    for candidate in (path,) if path.is_dir() else (path, *(Path(f"{path}{s}") for s in SQLITE_COMPANIONS)):
        if candidate.is_symlink():
            continue  # chmod would change what the link points to
        with suppress(OSError):  # absent, or another user's (only its owner may chmod it)
            candidate.chmod(PRIVATE_FOLDER if candidate.is_dir() else PRIVATE_FILE)


def require_tls(url: URL) -> URL:
    """PostgreSQL only over TLS with the server's certificate and name verified (``sslmode=verify-full``,
    added when the URL names no mode). A weaker mode is accepted only when the URL asks for it
    explicitly AND ``TRIAGE_ALLOW_INSECURE_DB=1`` is set (a test cluster on this computer)."""
    mode = url.query.get("sslmode")
    if mode is None:
        return url.update_query_dict({"sslmode": "verify-full"})
    if mode == "verify-full":
        return url
    if os.environ.get(INSECURE_DB_ENV) == "1":
        return url
    # Only libpq's own modes are repeated: any other text after sslmode= could be anything typed (tests/fuzz).
    named = f"sslmode={mode}" if mode in _SSL_MODES else "an sslmode libpq does not know"
    raise StoreLocationError(
        f"refusing the database connection with {named}: patient data must cross the network over TLS "
        "with the server's certificate verified (sslmode=verify-full, the default). Only for a test server on "
        f"this computer, set {INSECURE_DB_ENV}=1 to allow a weaker mode."
    )


def _sqlite_path(path: Path, mounts: Path | None) -> Path:
    path = path.expanduser().absolute()
    if not path.parent.is_dir():
        raise StoreLocationError(f"the folder for the database does not exist: {path.parent}")
    check_local_path(path, mounts=mounts)
    return path


def check_local_path(path: Path, *, mounts: Path | None = None) -> None:
    """Refuse a SQLite database on a network share or inside a synced folder."""
    text = str(path)
    if text.startswith(("\\\\", "//")):
        raise StoreLocationError(_network_message(path, "a network (UNC) path"))
    if os.name == "nt" and _is_windows_network_drive(path):
        raise StoreLocationError(_network_message(path, "a mapped network drive"))
    fstype = mount_filesystem(path, mounts=mounts)
    if fstype is not None and (fstype in NETWORK_FILESYSTEMS or fstype.startswith(("nfs", "smb", "cifs"))):
        raise StoreLocationError(_network_message(path, f"a network filesystem ({fstype})"))
    synced = next((part for part in PurePath(path).parts if _SYNCED.match(part)), None)
    if synced is not None:
        raise StoreLocationError(
            f"refusing the database at {path}: it is inside a synced folder ({synced!r}); sync clients copy files "
            "mid-write and corrupt SQLite databases. Keep the database in a local folder (the default), "
            "or use a PostgreSQL server to share it."
        )


def _network_message(path: Path, what: str) -> str:
    return (
        f"refusing the database at {path}: it is on {what}; SQLite is not safe on network storage. "
        "Keep the database on this computer (the default location), or use a PostgreSQL server to share it."
    )


def mount_filesystem(path: Path, *, mounts: Path | None = None) -> str | None:
    """The filesystem type of the mount holding ``path``, from /proc/mounts where it exists."""
    table = mounts or Path("/proc/mounts")
    try:
        lines = table.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None  # not Linux (macOS, Windows): only the path checks apply
    target = _resolved(path)
    best: tuple[int, str] | None = None
    for line in lines:
        fields = line.split()
        if len(fields) < 3:
            continue
        point = _unescape_mount(fields[1])
        if target == point or target.startswith(point.rstrip("/") + "/"):
            if best is None or len(point) > best[0]:
                best = (len(point), fields[2])
    return best[1] if best else None


def _resolved(path: Path) -> str:
    # The file may not exist yet: resolve its nearest existing ancestor (symlinks into a share count).
    for candidate in (path, *path.parents):
        if candidate.exists():
            return str(candidate.resolve() / path.relative_to(candidate)).rstrip("/") or "/"
    return str(path)


def _unescape_mount(field: str) -> str:
    # /proc/mounts writes space, tab, newline and backslash as octal escapes.
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


def _is_windows_network_drive(path: Path) -> bool:  # pragma: no cover - Windows only
    # The caller asks only on Windows; the check tells the type checker that ctypes.windll exists here.
    if sys.platform != "win32":
        return False
    import ctypes

    drive = PurePath(path).drive
    if not drive:
        return False
    drive_type: int = ctypes.windll.kernel32.GetDriveTypeW(drive + "\\")
    return drive_type == 4  # DRIVE_REMOTE
