"""SHA-256 hex digests (the hash chain, plan sources) without loading OpenSSL for a few of them.

``hashlib.sha256`` is OpenSSL's: the fastest per byte, but loading libcrypto
costs a command about 5 ms of start-up, more than `plan done` spends hashing.
CPython also ships its own SHA-256 (``_sha256``, ``_sha2`` from 3.12): no
library to load, about 1.6 us slower a small digest and 6x slower per byte.
So a process takes its first ``BUILTIN_BUDGET`` bytes of digests (each digest
counted as its length plus ``CALL_COST``) from the built-in one and everything
after from OpenSSL: a command that hashes a few events or plans never loads
OpenSSL; a drill, a verify or a replay of thousands of events loads it once,
early. Both give the same digest (tests/core/test_digest.py).
"""

from __future__ import annotations

try:
    from _sha256 import sha256 as _builtin  # CPython 3.11
except ImportError:  # pragma: no cover - depends on the Python build
    try:
        from _sha2 import sha256 as _builtin  # CPython 3.12+
    except ImportError:
        _builtin = None

BUILTIN_BUDGET = 256 * 1024  # bytes: about what loading OpenSSL costs in time at the built-in's speed
CALL_COST = 128  # a small digest's extra time in the built-in, as bytes hashed

_left = BUILTIN_BUDGET if _builtin is not None else 0


def _openssl(data: bytes):
    global _openssl
    from hashlib import sha256 as _openssl

    return _openssl(data)


def sha256_hex(data: bytes) -> str:
    """The SHA-256 of ``data`` as 64 hex digits."""
    global _left
    cost = len(data) + CALL_COST
    if cost <= _left:
        _left -= cost
        return _builtin(data).hexdigest()
    _left = 0  # from now on OpenSSL: it is loaded
    return _openssl(data).hexdigest()


def openssl_sha256():
    """OpenSSL's ``sha256`` constructor for a batch of many digests (an instant drill's hash
    chain): loaded once, it is what every later digest of the process uses too."""
    global _left
    _left = 0
    from hashlib import sha256

    return sha256
