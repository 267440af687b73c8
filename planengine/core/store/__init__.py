"""Storage: the only code that writes rows. The engine is its only user.

:class:`Store` (and with it SQLite) is imported when first named, so an engine that
never opens a database (`plan validate`, `plan lint`) does not load it.
"""

from planengine.core.store.chain import canonical, event_hash
from planengine.core.store.errors import StaleHead, StoreError, check_path

__all__ = ["StaleHead", "Store", "StoreError", "canonical", "check_path", "event_hash"]


def __getattr__(name):
    if name == "Store":
        from planengine.core.store.sqlite import Store

        return Store
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
