"""The store's errors. Every message is safe to show and to log: none ever contains a patient
identifier (an NHS number, a name, a date of birth) or a value the user typed."""

from __future__ import annotations


class StoreError(Exception):
    """Base class; ``str(error)`` is a complete, identifier-free message for the user."""


class StoreLocationError(StoreError):
    """The database location is unsafe (a network share, a synced folder) or unusable."""


class MigrationError(StoreError):
    """The schema could not be brought up to date; the database was left exactly as it was."""


class ConflictError(StoreError):
    """Someone else changed the record since it was opened."""

    def __init__(self, message: str = "this referral was changed by someone else since you opened it; reload") -> None:
        super().__init__(message)


class NotFoundError(StoreError):
    pass


class RefusedError(StoreError):
    """The store refuses the operation (e.g. deleting a clinical record); the attempt is audited."""


class IntegrityProblem(StoreError):
    """A write broke a database rule. The message names the rule, never the values."""


class WrongKeyError(StoreError):
    """SQLCipher could not read the file with this key: another store's key, or not a triage store."""


class StoreDamaged(StoreError):
    """The database file is damaged (pages overwritten, cut short, empty): the way back is a backup."""


class StoreTampered(StoreError):
    """The store's files were deleted or replaced outside triage, and changes it had committed are not
    in it any more: nothing more is written, the way back is a backup."""
