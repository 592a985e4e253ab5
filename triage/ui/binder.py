"""Widgets bound both ways to a field path of the screening session, as napari binds widgets to
evented models (docs/design.md, "Screens and state").

A widget writes what the person did to the session through the session's typed setters (the page
connects them); the binder redraws every bound widget from the session after each change, with the
widget's signals blocked, so a redraw is never taken for the person's input (no echo). Nothing is
kept in a widget that the session does not hold.

The binder also knows the layout (triage.ui.screening_layout): it orders the bound widgets as the
layout lists their paths, re-applies that tab order when rows come or go, finds the widget for a
session field (where Alt+N and the banner's "carry on with …" go), and the next question after a
widget (where a typed answer moves the focus).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import QLineEdit, QPlainTextEdit, QWidget

from triage.ui import screening_layout


@dataclass(slots=True)
class Binding:
    path: str
    widget: QWidget
    show: Callable[[], None] | None  # redraws the widget from the session; None: a control with no value


class Binder:
    """Bound widgets by field path; see the module's docstring."""

    def __init__(self) -> None:
        self._bindings: list[Binding] = []

    def bind(self, path: str, widget: QWidget, show: Callable[[], None] | None = None) -> None:
        if screening_layout.place(path) is None:
            raise KeyError(f"{path}: not in the screening layout")
        self._bindings.append(Binding(path, widget, show))

    def unbind(self, prefix: str) -> None:
        """Forget the bindings of a row that is going (``previous_interventions.2``)."""
        self._bindings = [b for b in self._bindings if not _under(b.path, prefix)]

    def paths(self) -> list[str]:
        return [b.path for b in self._ordered()]

    def redraw(self) -> None:
        """Every bound widget from the session, its signals blocked (a redraw is not input)."""
        for binding in self._bindings:
            if binding.show is not None:
                with QSignalBlocker(binding.widget):
                    binding.show()

    def widgets(self, section_key: str | None = None) -> list[QWidget]:
        """The bound widgets in the layout's order (of one section if given)."""
        index = None if section_key is None else screening_layout.SECTION_NUMBER[section_key] - 1
        return [b.widget for b in self._ordered() if index is None or _place(b)[0] == index]

    def apply_tab_order(self) -> None:
        """The tab order of the layout, bound widget after bound widget (Qt's own would put rows added
        later after the Confirm button)."""
        chain = [w for w in self.widgets() if w.focusPolicy() & Qt.FocusPolicy.TabFocus]
        for first, second in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(first, second)

    def widget_for(self, field: str) -> QWidget | None:
        """The first widget that can take the focus for a session field (``phq9.3``, ``risk_details.thoughts``,
        ``long_term_conditions``, ``decision``): the widget bound to it or to a path under it."""
        for binding in self._ordered():
            if _under(binding.path, field) and can_focus(binding.widget):
                return binding.widget
        return None

    def next_question(self, after: QWidget) -> QWidget | None:
        """The next question after ``after`` in the layout's order, where a typed answer moves the focus."""
        ordered = self._ordered()
        index = next((i for i, b in enumerate(ordered) if b.widget is after), None)
        if index is None:
            return None
        for binding in ordered[index + 1 :]:
            if screening_layout.is_question(binding.path) and can_focus(binding.widget):
                return binding.widget
        return None

    def _ordered(self) -> list[Binding]:
        return sorted(self._bindings, key=_place)  # stable: rows keep the order they were bound in


def _place(binding: Binding) -> tuple[int, int]:
    found = screening_layout.place(binding.path)
    assert found is not None  # bind() refuses a path the layout does not show
    return found


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + ".")


def can_focus(widget: QWidget) -> bool:
    """Whether Tab could reach the widget now (shown, enabled, a tab stop)."""
    return (
        widget.isEnabled()
        and widget.isVisibleTo(widget.window())
        and bool(widget.focusPolicy() & Qt.FocusPolicy.TabFocus)
    )


def show_text(widget: QLineEdit | QPlainTextEdit, text: str) -> None:
    """Redraw a text field; an unchanged one is left alone, so the cursor stays where the person is typing."""
    current = widget.text() if isinstance(widget, QLineEdit) else widget.toPlainText()
    if current != text:
        if isinstance(widget, QLineEdit):
            widget.setText(text)
        else:
            widget.setPlainText(text)
