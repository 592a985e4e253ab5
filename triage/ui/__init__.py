"""The Qt layer: the only package that may import PySide6 (enforced by import-linter)."""
