"""Report numbers (报告编号): 80 random bits in Crockford's base32, grouped in fours for typing
from paper, with a check character so that a typo is caught, not looked up.

The check character is itself a base32 letter or digit (never punctuation, which chat apps drop
from the end of a link, and which nobody reads aloud): Damm's algorithm over GF(32). With
x∘y = a·(x XOR y) in GF(2⁵) (multiplication modulo x⁵+x²+1, a = 2), the operation is a
quasigroup with x∘x = 0 that is totally anti-symmetric ((c∘x)∘y = (c∘y)∘x only when x = y). The
check character makes the interim of the whole string zero, so every single-character
substitution and every swap of two adjacent different characters, the check character included,
gives a non-zero interim and is caught.

Numbers issued before (Crockford's mod-37 check symbol, which may be ``* ~ $ = U``) still
verify: :func:`legacy_number` reads them, and the verifier looks one up only when it does not
pass the current check. Typing I or L for 1, O for 0, lower case, spaces or hyphens anywhere is
not a typo: it reads the same.
"""

from __future__ import annotations

import secrets
import unicodedata

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base32: no I, L, O, U
DATA_LENGTH = 16  # 16 × 5 = 80 random bits
GROUP = 4
LEGACY_CHECK_SYMBOLS = ALPHABET + "*~$=U"  # values 0 … 36 of the old mod-37 check symbol

_POLYNOMIAL = 0b100101  # x⁵ + x² + 1, irreducible over GF(2)
_FACTOR = 2  # a in x∘y = a·(x XOR y); any a outside {0, 1} makes the quasigroup anti-symmetric
_ALIASES = {"I": "1", "L": "1", "O": "0"}
_SEPARATORS = frozenset(" \t\r\n-\u00a0\u2010\u2011\u2012\u2013\u2014\u2212\u3000")
_VALUE = {symbol: value for value, symbol in enumerate(ALPHABET)}
_LEGACY_CHECK_VALUE = {symbol: value for value, symbol in enumerate(LEGACY_CHECK_SYMBOLS)}
_DROPPABLE = range(32, 36)  # old check symbols * ~ $ =, lost from the end of shared links
_MAX_TYPED = 64  # longer input is not a number, whatever it holds


def _times(a: int, b: int) -> int:
    """a·b in GF(2⁵)."""
    product = 0
    while b:
        if b & 1:
            product ^= a
        b >>= 1
        a <<= 1
        if a & 32:
            a ^= _POLYNOMIAL
    return product


_TABLE = [[_times(_FACTOR, x ^ y) for y in range(32)] for x in range(32)]


def _interim(values: list[int]) -> int:
    interim = 0
    for value in values:
        interim = _TABLE[interim][value]
    return interim


def check_character(data: str) -> str:
    """The check character of ``data`` (base32 symbols): the one that brings the interim back
    to zero, which on a zero diagonal is the interim itself."""
    return ALPHABET[_interim([_VALUE[symbol] for symbol in data])]


def _grouped(data: str, check: str) -> str:
    groups = [data[i : i + GROUP] for i in range(0, len(data), GROUP)]
    return "-".join([*groups, check])


def new_number() -> str:
    """A fresh report number, such as ``K3F9-7QZ2-M8XD-4TPA-7``."""
    value = secrets.randbits(DATA_LENGTH * 5)
    data = "".join(ALPHABET[(value >> shift) & 31] for shift in range(75, -1, -5))
    return _grouped(data, check_character(data))


def _symbols(text: str) -> list[str] | None:
    """What was typed, upper case, separators dropped and aliases read as their digit."""
    if len(text) > _MAX_TYPED:
        return None
    symbols = []
    for char in unicodedata.normalize("NFKC", text):
        if char in _SEPARATORS:
            continue
        if not char.isascii():
            return None
        symbol = char.upper()
        symbols.append(_ALIASES.get(symbol, symbol))
    return symbols


def normalize_number(text: str) -> str | None:
    """The canonical grouped form of a number as a person typed it, or None when it is not one
    (malformed, or its check character does not match: a typo)."""
    symbols = _symbols(text)
    if symbols is None or len(symbols) != DATA_LENGTH + 1:
        return None
    values = [_VALUE.get(symbol) for symbol in symbols]
    if None in values or _interim(values) != 0:  # type: ignore[arg-type]
        return None
    return _grouped("".join(symbols[:-1]), symbols[-1])


def legacy_number(text: str) -> str | None:
    """The canonical form of a number issued under the old mod-37 check, as printed on its
    certificate, or None. Its check symbol may be punctuation that a chat app dropped from the
    end of a shared link: sixteen symbols whose old check is one of ``* ~ $ =`` read as the
    number with it."""
    symbols = _symbols(text)
    if symbols is None or len(symbols) not in (DATA_LENGTH, DATA_LENGTH + 1):
        return None
    data = symbols[:DATA_LENGTH]
    value = 0
    for symbol in data:
        digit = _VALUE.get(symbol)
        if digit is None:
            return None
        value = value * 32 + digit
    expected = value % 37
    if len(symbols) == DATA_LENGTH:
        if expected not in _DROPPABLE:
            return None
    elif _LEGACY_CHECK_VALUE.get(symbols[-1]) != expected:
        return None
    return _grouped("".join(data), LEGACY_CHECK_SYMBOLS[expected])
