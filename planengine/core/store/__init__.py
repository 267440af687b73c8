"""Storage: the only code that writes rows. The engine is its only user."""

from planengine.core.store.chain import canonical, event_hash
from planengine.core.store.sqlite import StaleHead, Store, StoreError, check_path

__all__ = ["StaleHead", "Store", "StoreError", "canonical", "check_path", "event_hash"]
