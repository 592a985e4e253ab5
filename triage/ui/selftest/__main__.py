"""``python -m triage.ui.selftest``: the self-test from a source checkout (docs/building.md)."""

import sys

from triage.ui.selftest import main

sys.exit(main())
