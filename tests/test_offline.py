"""The offline guarantee (issue 7): in local mode triage never opens a network connection, no update
check, no font or resource fetched. The self-test, a scripted screening (referral, screening,
decision, GP letter) and the Qt main window run in a fresh process whose network is made to fail:

* at the Python level, a prelude replaces ``socket.socket.connect``/``connect_ex``/``sendto``/
  ``sendmsg``, ``socket.create_connection``, ``socket.getaddrinfo`` and ``gethostbyname`` with
  functions that record the attempt and raise (AF_UNIX sockets stay allowed);
* at the system-call level (Qt's own C++ code included), where strace is installed, every
  ``connect``/``sendto``/``sendmsg`` of the process tree is traced and none may name an AF_INET or
  AF_INET6 address; it runs in its own empty network namespace when ``unshare -n`` is permitted.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.needs import needs

ROOT = Path(__file__).resolve().parent.parent

PRELUDE = r"""
import os, socket

_LOG = os.environ["TRIAGE_NETWORK_LOG"]
_UNIX = getattr(socket, "AF_UNIX", object())


def _refuse(what, detail):
    with open(_LOG, "a", encoding="utf-8") as log:
        log.write(f"{what} {detail!r}\n")
    raise OSError(f"network access is disabled in this test ({what})")


def _guard(name):
    original = getattr(socket.socket, name)

    def guarded(self, *args, **kwargs):
        if self.family == _UNIX:
            return original(self, *args, **kwargs)
        _refuse(f"socket.{name}", args[-1] if args else None)

    setattr(socket.socket, name, guarded)


for _name in ("connect", "connect_ex", "sendto", "sendmsg"):
    _guard(_name)
socket.create_connection = lambda address, *a, **k: _refuse("create_connection", address)
socket.getaddrinfo = lambda host, *a, **k: _refuse("getaddrinfo", host)
socket.gethostbyname = lambda host: _refuse("gethostbyname", host)
socket.gethostbyname_ex = lambda host: _refuse("gethostbyname_ex", host)
"""

SCENARIO = r"""
import sys
from datetime import date
from pathlib import Path

folder = Path(sys.argv[1])

# 1. The self-test: store, migrations, main window, the whole matrix, every letter, page 1 rendered.
from triage.ui.selftest import run_self_test

if run_self_test() != 0:
    sys.exit("the self-test failed")

# 2. A scripted screening through the services, on a new store.
from triage.letters.command import letter_from_request, parse_letter_input
from triage.rules.ruleset import default_ruleset
from triage.services import (
    DecisionInput, ReferralInput, ScreeningInput, confirm_decision, create_referral, get_referral, recommend,
    save_screening,
)
from triage.services.permissions import User
from triage.services.screenings import screening_input
from triage.store import open_store, verify_database

pwp = User("offline-test", "Offline Test", "pwp")

database = folder / "screening.db"
with open_store(database) as store:
    referral = create_referral(store, pwp, ReferralInput.model_validate({
        "nhs_number": "9990000018", "given_name": "Sam", "family_name": "Offline",
        "date_of_birth": "1980-06-15", "received_on": "2025-02-20", "source": "gp",
    }))
    save_screening(store, pwp, referral.id, ScreeningInput.model_validate({
        "phq9": (1, 2, 1, 0, 1, 2, 1, 0, 0), "gad7": (2, 1, 1, 0, 1, 2, 1),
        "chronicity": "medium", "complexity": "low", "impairment": "medium", "substance_use": "low", "risk": "low",
        "problem_descriptor": "depression",
    }))
    routing = recommend(store, pwp, referral.id)
    confirm_decision(store, pwp, referral.id, DecisionInput(
        confirmed_route=routing.route, confirmed_step=routing.step, warnings_acknowledged=True,
    ))
    stored = get_referral(store, pwp, referral.id)
    assert stored.status == "decided", stored.status
    assert verify_database(store) == []
    answers = screening_input(stored.screenings[-1]).to_routing().model_dump(mode="json", exclude_none=True)
ruleset = default_ruleset()
request = parse_letter_input({
    **answers,
    "patient": {"given_name": "Sam", "family_name": "Offline", "date_of_birth": "1980-06-15", "nhs_number": "999 000 0018"},
    "gp": {"name": "Dr A Example", "practice_name": "Example Practice", "address_lines": ["1 Example Road"], "postcode": "DN1 1AA"},
    "referral": {"received_on": "2025-02-20", "source": "gp", "id": referral.id},
    "screener": {"name": "Offline Test", "role": "Psychological wellbeing practitioner"},
})
_, letter = letter_from_request(request, "gp", ruleset, date(2025, 3, 3))
assert letter.pdf.startswith(b"%PDF-") and letter.pages >= 1
print("screening ok:", routing.route, routing.step, letter.pages, "page GP letter")

# 3. The Qt app itself: the main window on that store, shown, with the event loop running a while.
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from triage.settings import ServiceSettings
from triage.ui.main_window import MainWindow
from triage.ui.theme import apply_theme

app = QApplication.instance() or QApplication([])
apply_theme(app)
window = MainWindow(open_store(database), ruleset, ServiceSettings(), pwp)
window.show()
QTimer.singleShot(1500, app.quit)
app.exec()
assert window.model.total == 1, window.model.total
window.close()
window.store.close()
print("window ok")
print("SCENARIO OK")
"""


def _environment(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIAGE_")}
    env.update(
        QT_QPA_PLATFORM="offscreen",
        TRIAGE_SETTINGS=str(tmp_path / "settings.json"),
        TRIAGE_USER="offline-test",
        TRIAGE_NETWORK_LOG=str(tmp_path / "network.log"),
        TMPDIR=str(tmp_path),
        PYTHONPATH=str(ROOT),
        # No proxy to be tempted by.
        http_proxy="",
        https_proxy="",
        HTTP_PROXY="",
        HTTPS_PROXY="",
        no_proxy="*",
    )
    return env


def _run(command: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, capture_output=True, text=True, env=_environment(tmp_path), cwd=tmp_path, timeout=300
    )


def test_the_guard_records_and_refuses_network_access(tmp_path: Path) -> None:
    """The harness itself: without this, a broken prelude would make the tests below pass vacuously."""
    probe = (
        PRELUDE
        + r"""
import socket
for attempt in (lambda: socket.create_connection(("127.0.0.1", 9), timeout=1),
                lambda: socket.getaddrinfo("localhost", 80),
                lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM).connect(("127.0.0.1", 9)),
                lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("127.0.0.1", 9))):
    try:
        attempt()
    except OSError as exc:
        assert "disabled in this test" in str(exc), exc
    else:
        raise SystemExit("a network call was not refused")
a, b = socket.socketpair()  # AF_UNIX stays usable (Qt and SQLite never need more)
a.sendall(b"ok"); assert b.recv(2) == b"ok"
print("guard ok")
"""
    )
    done = _run([sys.executable, "-c", probe], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "guard ok" in done.stdout
    log = (tmp_path / "network.log").read_text(encoding="utf-8").splitlines()
    assert [line.split()[0] for line in log] == ["create_connection", "getaddrinfo", "socket.connect", "socket.sendto"]


def test_self_test_screening_and_window_make_no_network_connection(tmp_path: Path) -> None:
    done = _run([sys.executable, "-c", PRELUDE + SCENARIO, str(tmp_path)], tmp_path)
    attempts = tmp_path / "network.log"
    assert not attempts.exists(), "network access was attempted:\n" + attempts.read_text(encoding="utf-8")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "triage self-test passed" in done.stdout
    assert "screening ok:" in done.stdout and "window ok" in done.stdout
    assert done.stdout.rstrip().endswith("SCENARIO OK")


def _network_namespace() -> list[str]:
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-n", "true"], capture_output=True).returncode == 0:
        return [unshare, "-n"]
    return []


def test_no_inet_socket_is_used_even_by_qt_itself(tmp_path: Path) -> None:
    needs(shutil.which("strace") is not None, "strace is not installed: the system-call check needs it")
    # The control: a loopback connect (refused at once, and in an empty namespace loopback is down)
    # must show in the trace, or the trace proves nothing.
    control = tmp_path / "control.txt"
    probe = "import socket\ns = socket.socket()\ns.settimeout(1)\ns.connect_ex(('127.0.0.1', 9))"
    _run([*_network_namespace(), "strace", "-f", "-qq", "-e", "trace=connect", "-o", str(control),
          sys.executable, "-c", probe], tmp_path)  # fmt: skip
    assert "sa_family=AF_INET" in control.read_text(encoding="utf-8"), "strace recorded nothing: cannot check"

    trace = tmp_path / "syscalls.txt"
    command = [
        *_network_namespace(), "strace", "-f", "-qq", "-e", "trace=connect,sendto,sendmsg", "-o", str(trace),
        sys.executable, "-c", SCENARIO, str(tmp_path),
    ]  # fmt: skip
    done = _run(command, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.rstrip().endswith("SCENARIO OK")
    calls = trace.read_text(encoding="utf-8").splitlines()
    inet = [line for line in calls if re.search(r"sa_family=AF_INET6?\b", line)]
    assert inet == [], "network connections were attempted:\n" + "\n".join(inet[:20])
