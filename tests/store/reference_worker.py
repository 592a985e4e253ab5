"""A separate process that adds referrals to a store, for the test that two processes adding at once
never get the same reference: ``python -m tests.store.reference_worker DATABASE FIRST COUNT START_AT``
opens the store, waits until ``START_AT`` (a ``time.time()``) so that the workers start together, adds
COUNT referrals one transaction each (serials FIRST, FIRST+1, ...) and prints their references as a
JSON list."""

from __future__ import annotations

import json
import sys
import time


def main(database: str, first: int, count: int, start_at: float) -> None:
    from tests.store.conftest import referral_input
    from tests.users import as_pwp
    from triage.services import create_referral
    from triage.store import open_store
    from triage.store.models import Referral

    user = as_pwp("pwp")
    with open_store(database) as store:
        time.sleep(max(0.0, start_at - time.time()))
        ids = [create_referral(store, user, referral_input(serial)).id for serial in range(first, first + count)]
        with store.read() as session:
            references = [session.get(Referral, referral_id).reference for referral_id in ids]  # type: ignore[union-attr]
    print(json.dumps(references), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]))
