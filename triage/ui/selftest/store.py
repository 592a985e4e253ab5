"""Step "store": the bundled SQLCipher, SQLAlchemy and Alembic work.

It creates the encrypted store the app creates on first run, with its first admin, in the temporary
data folder; checks the file is encrypted and that a wrong key opens nothing and changes nothing;
logs in; and checks the store is at the newest schema revision, with a sound integrity check and
audit chain. The admin's store and user are kept on the run for the steps that need them.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from triage.ui.selftest.runner import Run, StepFailed

ACTOR = "self-test"
# A fresh password each run: the store lives only in a temporary folder removed at the end.
SELF_TEST_PASSWORD = secrets.token_urlsafe(24)


def check(run: Run) -> str:
    from triage.store import head_revision, schema_revision, verify_database
    from triage.store.errors import StoreError

    path = run.folder / "triage.db"
    try:
        run.store, run.user = _create_store(path)
        revision = schema_revision(run.store.engine)
        problems = verify_database(run.store)
    except StoreError as exc:
        raise StepFailed(str(exc)) from None
    if revision != head_revision():
        raise StepFailed(f"the new store is at schema revision {revision}, not {head_revision()}")
    if problems:
        raise StepFailed("the new store is not sound: " + "; ".join(problems))
    return (
        f"new encrypted SQLite store migrated to {revision}, a wrong key refused; integrity check and audit chain sound"
    )


def _create_store(path: Path) -> tuple[Any, Any]:
    """The store the app creates on first run: encrypted, with a first admin, then logged in to.
    A store whose file starts with SQLite's plain header is not encrypted and fails the step."""
    from triage.services.login import open_authenticated
    from triage.services.store_setup import initialise_store

    initialise_store(path, ACTOR, "Self Test", SELF_TEST_PASSWORD)
    if path.read_bytes()[:16] == b"SQLite format 3\x00":
        raise StepFailed("the new store is not encrypted (its file starts with the plain SQLite header)")
    _refuses_a_wrong_key(path)
    return open_authenticated(path, ACTOR, SELF_TEST_PASSWORD)


def _refuses_a_wrong_key(path: Path) -> None:
    """The bundled SQLCipher must refuse any key but the store's, and change nothing trying."""
    from triage.store import open_store
    from triage.store.database import WrongKeyError

    before = path.read_bytes()
    try:
        open_store(path, key=secrets.token_bytes(32)).close()
    except WrongKeyError:
        pass
    else:
        raise StepFailed("the new store opened with a wrong key: it is not protected by its key")
    if path.read_bytes() != before:
        raise StepFailed("trying a wrong key changed the store's file")
