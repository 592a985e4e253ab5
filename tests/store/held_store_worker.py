"""A separate process that keeps a store open, as a running app does, and imports into it on request.

``python -m tests.store.held_store_worker`` reads one JSON request a line and answers each with one JSON
line (the other workers, tests/store/process_worker.py, open and close the store for every request; this
one must not: a store that stays open is what deleting its -wal under it needs).

- ``{"open": database, "user": ..., "password": ...}`` logs in and keeps the store open;
- ``{"import": [rows...]}`` imports the rows (one transaction, as ``triage referrals import`` does);
- ``{"close": true}`` closes it.

Each answers ``{"result": "ok" | the exception's class name, "message", "created"}``; an exception is
answered, never a traceback (a StoreError's message is what a person would see).
"""

from __future__ import annotations

import json
import sys
from typing import Any


def main() -> None:
    from triage.services.login import open_authenticated
    from triage.services.transfer import import_file

    store: Any = None
    user: Any = None
    for line in sys.stdin:
        request = json.loads(line)
        answer: dict[str, Any] = {"result": "ok", "message": "", "created": 0}
        try:
            if "open" in request:
                store, user = open_authenticated(request["open"], request["user"], request["password"],
                                                 sleep=lambda _s: None)  # fmt: skip
            elif "import" in request:
                report = import_file(store, user, json.dumps(request["import"]).encode(), fmt="json")
                answer["created"] = report.written
            elif "close" in request and store is not None:
                store.close()
                store = None
        except Exception as exc:
            answer = {"result": type(exc).__name__, "message": str(exc), "created": 0}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
