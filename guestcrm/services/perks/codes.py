"""Perk codes: 80 random bits a guest can read out at the desk or type into a booking engine
(Crockford's base 32: no I, L, O or U; case, spaces and dashes do not matter), looked up by their
digest so that a look-up's time says nothing about how much of a code was right."""

from __future__ import annotations

import hashlib
import hmac
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
GROUPS, GROUP = 4, 4  # 16 characters × 5 bits
PREFIX = "GC"
# What people type for what they read.
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
MAX_INPUT = 64


def new_code() -> str:
    chars = "".join(secrets.choice(ALPHABET) for _ in range(GROUPS * GROUP))
    return PREFIX + "-" + "-".join(chars[i:i + GROUP] for i in range(0, len(chars), GROUP))


def normalize_code(text: str) -> str | None:
    """The canonical spelling of a typed code; None when it cannot be a code at all."""
    if not isinstance(text, str) or len(text) > MAX_INPUT:
        return None
    compact = "".join(ch for ch in text.upper() if ch not in " -_\t")
    if compact.startswith(PREFIX):
        compact = compact[len(PREFIX):]
    compact = compact.translate(_READ_AS)
    if len(compact) != GROUPS * GROUP or any(ch not in ALPHABET for ch in compact):
        return None
    return PREFIX + "-" + "-".join(compact[i:i + GROUP] for i in range(0, len(compact), GROUP))


def code_digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def same_code(stored: str, given: str) -> bool:
    return hmac.compare_digest(stored.encode(), given.encode())
