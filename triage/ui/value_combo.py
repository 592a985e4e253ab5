"""Combo boxes whose items carry a value beside their label (a route code, a step, an outcome): made
with an accessible name, and set by value rather than by position."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QComboBox


def value_combo(name: str, items: Sequence[tuple[object, str]]) -> QComboBox:
    """``items``: (value, label) pairs, in the order shown."""
    combo = QComboBox()
    combo.setAccessibleName(name)
    for value, label in items:
        combo.addItem(label, value)
    return combo


def select_value(combo: QComboBox, value: object) -> None:
    """Show the item carrying ``value``; the first item when none does."""
    index = combo.findData(value)
    combo.setCurrentIndex(max(index, 0))
