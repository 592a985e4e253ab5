"""The scheduled backup as a session closes (issue 13 item 11): run on a worker thread
(``triage.ui.worker``) so the window still paints and says what it is doing, while the close waits for
it to finish: the store is closed only after the backup has been made and verified, or has failed
(never half a backup). ``triage.services.scheduled_backup.at_close`` decides whether one is due."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEventLoop, Qt
from PySide6.QtWidgets import QProgressDialog, QWidget

from triage.services.scheduled_backup import BackupOutcome, at_close
from triage.ui.worker import Worker

if TYPE_CHECKING:
    from triage.services.permissions import User
    from triage.settings import BackupSchedule
    from triage.store.database import Store


def back_up_at_close(parent: QWidget | None, store: Store, user: User, schedule: BackupSchedule, *,
                     settings_file: Path | None = None) -> BackupOutcome | None:  # fmt: skip
    """Count this close and make the scheduled backup if one is due, waiting for it with a note on
    screen; returns its outcome (None when none was due, or when an unexpected error stopped it: that
    goes to ``sys.excepthook`` as the worker reports it)."""
    if schedule.when == "off":
        return None
    note = QProgressDialog("Making the scheduled backup of the database. triage closes when it is done…", "",
                           0, 0, parent)  # fmt: skip
    note.setWindowTitle("Scheduled backup")
    note.setCancelButton(None)  # type: ignore[arg-type]  # a close waits: no half backup
    note.setWindowModality(Qt.WindowModality.ApplicationModal)
    note.setMinimumDuration(400)  # shown only if it takes long enough to wonder about
    answer: list[BackupOutcome | None] = []
    loop = QEventLoop()
    worker = Worker()

    def done(outcome: BackupOutcome | None) -> None:
        answer.append(outcome)
        loop.quit()

    def failed(_words: str) -> None:
        answer.append(None)
        loop.quit()

    worker.start(lambda: at_close(store, user, schedule, settings_file=settings_file), done, failed)
    note.setValue(0)
    if not answer:
        loop.exec()
    note.close()
    note.deleteLater()
    worker.deleteLater()
    return answer[0]
