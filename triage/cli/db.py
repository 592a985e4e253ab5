"""``triage db verify|backup|restore``: the store's integrity and its SQLite backups, after a login
(to a throwaway copy of the backup when there is no store to replace). The maintenance service and
the store are imported when one of these commands runs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from triage.cli.common import EXIT_FAILED, EXIT_OK, InputError, errors, login, looks_like_a_store, store_options

if TYPE_CHECKING:
    from triage.cli.common import Commands

COMPARE = (
    "compare each admin key's fingerprint with the one written down when the store was set up: "
    "a different one means the trail's keys were replaced (docs/access.md)"
)
SERVER_TOOLS = ("a PostgreSQL server is backed up and restored with its own tools "
                "(pg_dump and pg_restore, or pg_basebackup)")  # fmt: skip


def register(commands: Commands) -> None:
    """Add ``db`` to the top-level subparsers."""
    store = store_options()
    db_cmd = commands.add_parser("db", help="verify, back up or restore the database")
    db = db_cmd.add_subparsers(title="db commands", metavar="COMMAND", required=True)
    verify = db.add_parser("verify", parents=[store],
                           help="integrity check and audit-chain verification; exit 0 if sound, 1 with the problems")  # fmt: skip
    verify.set_defaults(command="db verify", handler=_db_verify)
    backup = db.add_parser("backup", parents=[store],
                           help="copy the SQLite database to a new file, consistently, even while the app is writing")  # fmt: skip
    backup.add_argument("dest", type=Path, help="the backup file to create (must not exist)")
    backup.set_defaults(command="db backup", handler=_db_backup)
    restore = db.add_parser("restore", parents=[store],
                            help="replace the SQLite database with a verified backup (the old file is kept)")  # fmt: skip
    restore.add_argument("src", type=Path, help="the backup file")
    restore.add_argument("--keep-previous", type=_at_least_one, default=None, metavar="N",
                         help="how many copies of replaced databases to keep beside it (default 3); older ones are "
                              "removed once the restore has succeeded")  # fmt: skip
    restore.add_argument("--accept-problems", action="store_true",
                         help="restore a backup that verification finds problems in, as it is: a backup of a store "
                              "whose audit trail already had problems carries them (its backup said so)")  # fmt: skip
    restore.set_defaults(command="db restore", handler=_db_restore)
    prefix = db.add_parser("prefix", parents=[store],
                           help="show, or (admin) set, the three letters that start this store's new referral "
                                "references, e.g. DON; each store needs its own before referrals move between them")  # fmt: skip
    prefix.add_argument("letters", nargs="?", help="the new prefix: three capital letters A to Z")
    prefix.set_defaults(command="db prefix", handler=_db_prefix)


def _at_least_one(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError("must be a whole number, 1 or more")
    return int(text)


def _db_verify(args: argparse.Namespace) -> int:
    from triage.services.maintenance import signing_summary, verify_store
    from triage.store import head_revision, schema_revision

    store, user = login(args, "verify", migrate=False)
    with store:
        problems = verify_store(store, user, older_schema_ok=True)
        signing = signing_summary(store, user)
        revision = schema_revision(store.engine)
        described = store.describe()
    if problems:
        errors(problems)
        print(f"FAILED: {len(problems)} problems in {described}")
        print("\n".join(signing))
        return EXIT_FAILED
    print(f"ok: {described} is sound (integrity check, database guards, audit chain and its signatures, "
          "every referral audited)")  # fmt: skip
    print("\n".join(signing))
    print(COMPARE)
    if revision != head_revision():
        print(f"note: its schema is at revision {revision}; it will be brought up to {head_revision()} "
              "when triage next opens it")  # fmt: skip
    return EXIT_OK


def _db_prefix(args: argparse.Namespace) -> int:
    from triage.services.references import reference_prefix, set_reference_prefix

    store, user = login(args, "settings" if args.letters else None)
    with store:
        if args.letters:
            set_reference_prefix(store, user, args.letters)
        print(f"ok: new references start {reference_prefix(store)}-")
    return EXIT_OK


def _db_backup(args: argparse.Namespace) -> int:
    from triage.services.maintenance import back_up, signing_summary
    from triage.store import resolve_database_url

    if resolve_database_url(args.database).get_backend_name() != "sqlite":
        raise InputError(f"db backup works on a SQLite file; {SERVER_TOOLS}")
    store, user = login(args, "backup", migrate=False)
    with store:
        made = back_up(store, user, args.dest)
        signing = signing_summary(store, user)
    if made.carried:
        from triage.store.backup import carried_in_words

        print(f"ok: backed up to {made.path}; verified as a copy of this store and of {carried_in_words(made.carried)} "
              "its own checks already find (`triage db verify` lists them; the copy carries them as they are):")  # fmt: skip
        print("\n".join(f"warning: {problem}" for problem in made.carried), file=sys.stderr)
        print("This backup countersigned nothing. Restoring it needs `triage db restore --accept-problems`.")
    else:
        print(f"ok: backed up to {made.path} and verified")
    print("\n".join(signing))
    print(COMPARE)
    return EXIT_OK


def _db_restore(args: argparse.Namespace) -> int:
    from triage.services.maintenance import restore
    from triage.store import resolve_database_url
    from triage.store.backup import KEEP_PREVIOUS, kept_copies

    keep = args.keep_previous or KEEP_PREVIOUS
    url = resolve_database_url(args.database)
    if url.get_backend_name() != "sqlite":
        raise InputError(f"db restore works on a SQLite file; {SERVER_TOOLS}")
    target = Path(str(url.database))
    store = _store_to_replace(args, target)
    if store is not None:
        previous = restore(*store, args.src, target, keep=keep, accept_problems=args.accept_problems)
    else:
        previous = _restore_without_a_store(args, target, keep)
    accepted = (", verified except for any problems it carried, restored as they are (`triage db verify` lists them)"
                if args.accept_problems else ", verified")  # fmt: skip
    print(f"ok: restored {url.database} from {args.src}{accepted}")
    if previous is not None:
        kept = kept_copies(target)
        used = sum(path.stat().st_size for path in kept)
        print(f"the database it replaced is kept as {previous}")
        print(f"{len(kept)} kept {'copy uses' if len(kept) == 1 else 'copies use'} {used / 1_000_000:.1f} MB beside it "
              f"(the newest {keep} are kept; --keep-previous N to change)")  # fmt: skip
    return EXIT_OK


def _store_to_replace(args: argparse.Namespace, target: Path) -> tuple[Any, Any] | None:
    """The store being replaced, logged in to; None when there is none to log in to: no file, or one so
    damaged or tampered with that it cannot be opened (then the backup's own key file lets the admin in)."""
    from triage.store.errors import StoreDamaged, StoreTampered

    if not (target.is_file() and looks_like_a_store(target)):
        return None
    try:
        return login(args, "restore", migrate=False)  # type: ignore[no-any-return]
    except (StoreDamaged, StoreTampered):  # not a wrong key file: the right one is what brings it back
        return None


def _restore_without_a_store(args: argparse.Namespace, target: Path, keep: int) -> Path | None:
    """On a computer without the store, log in to a throwaway copy of the backup (with its key file):
    logging in writes to a store (the login event, the WAL), and the backup must stay as it was."""
    import shutil
    import tempfile

    from triage.services.maintenance import restore

    source = Path(args.src)
    with tempfile.TemporaryDirectory(prefix="triage-restore-") as folder:
        for suffix in ("", ".keys"):
            if Path(f"{source}{suffix}").is_file():
                shutil.copy2(f"{source}{suffix}", Path(folder) / f"backup.db{suffix}")
        store, user = login(args, "restore", migrate=False, database=str(Path(folder) / "backup.db"))
        return restore(store, user, source, target, keep=keep, accept_problems=args.accept_problems)
