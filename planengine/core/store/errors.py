"""The store's errors and its check of a database name: what the engine needs before (or
without) opening a database, kept apart from :mod:`planengine.core.store.sqlite` so that a
command that never opens one (`plan validate`) does not import SQLite."""

from __future__ import annotations

import os


class StoreError(Exception):
    """A database problem; like Refused, an English template and its parameters (see planengine/i18n)."""

    def __init__(self, message, **params):
        self.template, self.params = message, params
        super().__init__(message.format(**params) if params else message)


class StaleHead(StoreError):
    """Another command landed after the state being written was folded: nothing was written."""


def check_path(path):
    """Refuse a database name that is not a file: nothing would be kept."""
    if path in ("", ":memory:") or path.startswith("file:"):
        raise StoreError(
            f"--db {path!r}: give the path of a database file (an in-memory database would lose every record)"
        )
    if os.path.isdir(path):
        raise StoreError(f"--db {path}: is a directory; give the path of a database file")
