"""Report numbers (报告编号): 80 random bits in Crockford's base32, grouped in fours for typing
from paper, with Crockford's mod-37 check symbol so that a typo is caught, not looked up.

Every single-character substitution and every swap of two adjacent different characters
(the check symbol included) changes the value modulo the prime 37, so the check catches it.
Typing I or L for 1, O for 0, lower case, spaces or hyphens anywhere is not a typo: it reads the
same.
"""

from __future__ import annotations

import secrets
import unicodedata

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base32: no I, L, O, U
CHECK_SYMBOLS = ALPHABET + "*~$=U"  # values 0 … 36 of the check symbol
DATA_LENGTH = 16  # 16 × 5 = 80 random bits
GROUP = 4

_ALIASES = {"I": "1", "L": "1", "O": "0"}
_SEPARATORS = frozenset(" \t\r\n-\u00a0\u2010\u2011\u2012\u2013\u2014\u2212\u3000")
_DATA_VALUE = {symbol: value for value, symbol in enumerate(ALPHABET)}
_CHECK_VALUE = {symbol: value for value, symbol in enumerate(CHECK_SYMBOLS)}
_MAX_TYPED = 64  # longer input is not a number, whatever it holds


def _check_symbol(value: int) -> str:
    return CHECK_SYMBOLS[value % 37]


def _grouped(data: str, check: str) -> str:
    groups = [data[i : i + GROUP] for i in range(0, len(data), GROUP)]
    return "-".join([*groups, check])


def new_number() -> str:
    """A fresh report number, such as ``K3F9-7QZ2-M8XD-4TPA-7``."""
    value = secrets.randbits(DATA_LENGTH * 5)
    data = "".join(ALPHABET[(value >> shift) & 31] for shift in range(75, -1, -5))
    return _grouped(data, _check_symbol(value))


def normalize_number(text: str) -> str | None:
    """The canonical grouped form of a number as a person typed it, or None when it is not one
    (malformed, or its check symbol does not match: a typo)."""
    if len(text) > _MAX_TYPED:
        return None
    typed = unicodedata.normalize("NFKC", text)
    symbols = []
    for char in typed:
        if char in _SEPARATORS:
            continue
        if not char.isascii():
            return None
        symbol = char.upper()
        symbols.append(_ALIASES.get(symbol, symbol))
    if len(symbols) != DATA_LENGTH + 1:
        return None
    *data, check = symbols
    value = 0
    for symbol in data:
        digit = _DATA_VALUE.get(symbol)
        if digit is None:
            return None
        value = value * 32 + digit
    if _CHECK_VALUE.get(check) != value % 37:
        return None
    return _grouped("".join(data), check)
