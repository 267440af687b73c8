"""Accounts for `plan serve`: scrypt password hashes and API tokens (only their hashes are stored).

scrypt parameters n=2**14, r=8, p=1 are the interactive-login values of
RFC 7914 section 2 and Python's hashlib documentation (about 16 MiB, tens of ms).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

ROLES = ("viewer", "officer", "admin")
N, R, P = 2**14, 8, 1
NAME_MAX = 64


class AccountError(ValueError):
    """A bad account request; like Refused, an English template and its parameters."""

    def __init__(self, message, **params):
        self.template, self.params = message, params
        super().__init__(message.format(**params) if params else message)


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=N, r=R, p=P, dklen=32)
    return f"scrypt${N}${R}${P}${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str | None) -> bool:
    if not stored or not stored.startswith("scrypt$"):
        return False
    _, n, r, p, salt, digest = stored.split("$")
    got = hashlib.scrypt(password.encode("utf-8"), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=32)
    return hmac.compare_digest(got.hex(), digest)


def new_token() -> str:
    return "pe_" + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """A token is 256 random bits, so a plain SHA-256 is enough to keep it unusable if the database leaks."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def session_stamp(password_hash: str | None) -> str:
    """What a browser session carries to prove it began under the account's current password.

    The stored hash is salted afresh on every `plan user add`, so changing a password (or
    re-adding the account) changes the stamp and ends every session begun before it. Derived
    from the salted hash, it tells the cookie's holder nothing they could test passwords with.
    """
    return hashlib.sha256(f"session|{password_hash or ''}".encode()).hexdigest()[:32]


def session_holds(stamp, password_hash: str | None) -> bool:
    return hmac.compare_digest(str(stamp), session_stamp(password_hash))


def check_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > NAME_MAX or any(c.isspace() or not c.isprintable() for c in name):
        raise AccountError("bad user name {name!r}: up to {max} characters, no spaces", name=name, max=NAME_MAX)
    return name


def check_role(role: str) -> str:
    if role not in ROLES:
        raise AccountError("unknown role {role!r}: one of {roles}", role=role, roles=", ".join(ROLES))
    return role
