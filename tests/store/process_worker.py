"""A separate process that runs triage on request, for tests of what many processes do at once.

``python -m tests.store.process_worker`` reads one JSON request a line and answers each with one JSON
line. Starting Python and importing triage costs about a second, so a test starts its workers once
and sends them many requests; each worker is still a real process, with its own file locks, racing
the others through the real store files. A request waits until its ``start_at`` (a ``time.time()``)
so that the workers start together.

- ``{"cli": [...args], "user": ..., "password": ...}`` runs ``triage.cli.main(args)`` as that user
  and answers ``{"code", "out", "err"}``; an exception that escapes ``main`` is answered as a
  traceback in ``err`` (the thing these tests look for).
- ``{"login": database, "user": ..., "password": ...}`` calls ``open_authenticated`` with no delay
  after a failure and answers ``{"result": "ok" | the exception's class name, "message"}``.
- ``{"open": database, ...}`` logs in and keeps the store open until the next request.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import time
import traceback
from typing import Any


def _cli(request: dict[str, Any]) -> dict[str, Any]:
    from triage.cli import main

    os.environ["TRIAGE_USER"], os.environ["TRIAGE_PASSWORD"] = request["user"], request["password"]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(request["cli"])
        except BaseException:
            traceback.print_exc()
            code = -1
    return {"code": code, "out": out.getvalue(), "err": err.getvalue()}


def _login(request: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    from triage.services.login import open_authenticated

    try:
        store, _user = open_authenticated(request.get("login") or request["open"], request["user"],
                                          request["password"], sleep=lambda _s: None)  # fmt: skip
    except Exception as exc:
        return {"result": type(exc).__name__, "message": str(exc)}, None
    return {"result": "ok", "message": ""}, store


def main() -> None:
    import triage.cli
    import triage.services.login  # noqa: F401  (imported before the first request: the workers start together)

    held: Any = None
    for line in sys.stdin:
        request = json.loads(line)
        if held is not None:
            held.close()
            held = None
        time.sleep(max(0.0, request.get("start_at", 0) - time.time()))
        if "cli" in request:
            answer = _cli(request)
        else:
            answer, store = _login(request)
            if "open" in request:
                held = store
            elif store is not None:
                store.close()
        answer["pid"] = os.getpid()
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
