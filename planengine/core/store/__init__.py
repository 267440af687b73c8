"""Storage: the only code that writes rows. The engine is its only user."""

from planengine.core.store.chain import canonical, event_hash
from planengine.core.store.sqlite import Store, StoreError

__all__ = ["Store", "StoreError", "canonical", "event_hash"]
