"""Ids for rows written in bulk: UUID version 7 (RFC 9562), 48 bits of Unix milliseconds then
74 random bits. Still opaque and unguessable, but rows written together sort together, so a
large import appends to the end of each index instead of touching pages all over it."""

from __future__ import annotations

import secrets
import time
import uuid

_RANDOM_BITS = 74


def time_ordered_id() -> uuid.UUID:
    millis = time.time_ns() // 1_000_000
    random = secrets.randbits(_RANDOM_BITS)
    value = (millis & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76  # version 7
    value |= (random >> 62) << 64  # 12 random bits
    value |= 0b10 << 62  # the RFC 4122 variant
    value |= random & ((1 << 62) - 1)  # 62 random bits
    return uuid.UUID(int=value)
