import os
import sys
from collections.abc import Iterator

import pytest

# Before any QApplication exists: Qt tests run without a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("default", max_examples=100, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(autouse=True)
def _end_modal_watches() -> Iterator[None]:
    """A ``tests.keys.when_modal`` whose dialog never showed stops polling with its test (it closed the
    next test's message box otherwise). Only where a test loaded it: most tests have no Qt at all."""
    yield
    keys = sys.modules.get("tests.keys")
    if keys is not None:
        keys.stop_watching()
