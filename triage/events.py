"""The one observer the plain-Python models use (the session, the settings): ``connect`` a handler,
``emit`` a value to every handler, in the order they were connected. No Qt, so the models stay
testable without a display; widgets connect to them and redraw."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Event(Generic[T]):
    """A tiny typed observer."""

    def __init__(self) -> None:
        self._handlers: list[Callable[[T], None]] = []

    def connect(self, handler: Callable[[T], None]) -> None:
        self._handlers.append(handler)

    def disconnect(self, handler: Callable[[T], None]) -> None:
        self._handlers.remove(handler)

    def emit(self, value: T) -> None:
        for handler in list(self._handlers):
            handler(value)
