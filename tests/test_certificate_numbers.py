"""Report numbers: 80 random bits, grouped Crockford base32 with a Damm check character over
GF(32) that is a letter or digit and catches every single-character substitution and every
adjacent transposition (the check character's included); numbers issued under the old mod-37
check symbol still read as printed."""

from __future__ import annotations

import re
import secrets

import pytest

from models import Certificate
from resolvers.certificates import numbers as certificate_numbers
from resolvers.certificates.numbers import (
    ALPHABET,
    LEGACY_CHECK_SYMBOLS,
    check_character,
    legacy_number,
    new_number,
    normalize_number,
)

SYMBOL = "[0-9A-HJKMNP-TV-Z]"
SHAPE = re.compile(rf"{SYMBOL}{{4}}(-{SYMBOL}{{4}}){{3}}-{SYMBOL}")
TYPED = ALPHABET + "ILOU*~$="  # every symbol a person may type: aliases, old check symbols
_CANONICAL = {"I": "1", "L": "1", "O": "0"}


def _data(value: int) -> str:
    data = ""
    for _ in range(16):
        data = ALPHABET[value % 32] + data
        value //= 32
    return data


def _grouped(data: str, check: str) -> str:
    return "-".join([data[i : i + 4] for i in range(0, 16, 4)] + [check])


def _legacy(value: int) -> str:
    """A number as the old scheme printed it: Crockford's mod-37 check symbol."""
    return _grouped(_data(value), LEGACY_CHECK_SYMBOLS[value % 37])


def _numbers(count: int) -> list[str]:
    """Random numbers, and numbers whose check is each of the 32 characters."""
    numbers = [new_number() for _ in range(count)]
    wanted = set(ALPHABET)
    while wanted:
        number = new_number()
        if number[-1] in wanted:
            wanted.discard(number[-1])
            numbers.append(number)
    return numbers


def test_numbers_have_the_grouped_shape_and_fit_the_column():
    for _ in range(2000):
        number = new_number()
        assert SHAPE.fullmatch(number), number
        assert len(number) == 21
    column = Certificate._meta.fields_map["number"]
    assert len(new_number()) <= getattr(column, "max_length", 0) == 32


def test_the_check_character_is_a_letter_or_digit_and_each_one_occurs():
    checks = {new_number()[-1] for _ in range(4000)}
    assert checks == set(ALPHABET)
    assert not checks & set("*~$=U")


def test_the_damm_table_is_a_totally_anti_symmetric_quasigroup_with_zero_diagonal():
    table = certificate_numbers._TABLE
    everything = set(range(32))
    assert all(set(row) == everything for row in table)
    assert all({row[y] for row in table} == everything for y in range(32))
    assert all(table[x][x] == 0 for x in range(32))
    for c in range(32):
        for x in range(32):
            for y in range(32):
                if x != y:
                    assert table[table[c][x]][y] != table[table[c][y]][x], (c, x, y)


def test_numbers_carry_80_random_bits_from_secrets(monkeypatch: pytest.MonkeyPatch):
    asked: list[int] = []

    def randbits(bits: int) -> int:
        asked.append(bits)
        return 2**bits - 1

    monkeypatch.setattr(certificate_numbers.secrets, "randbits", randbits)
    assert new_number() == "ZZZZ-ZZZZ-ZZZZ-ZZZZ-" + check_character("Z" * 16)
    assert asked == [80]


def test_every_data_position_takes_every_symbol():
    numbers = [new_number().replace("-", "") for _ in range(4000)]
    assert len(set(numbers)) == len(numbers)
    for position in range(16):
        assert {number[position] for number in numbers} == set(ALPHABET), position


def test_round_trip():
    for number in _numbers(2000):
        assert normalize_number(number) == number


def test_typing_is_forgiving():
    value = 0
    for symbol in "K10F9QZ2M0XD4T1A":  # holds 1 and 0, which people type as I, L and O
        value = value * 32 + ALPHABET.index(symbol)
    data = _data(value)
    number = _grouped(data, check_character(data))
    assert number.startswith("K10F-9QZ2-M0XD-4T1A-")
    bare = number.replace("-", "")
    typed = [
        number.lower(),
        bare,
        bare.lower(),
        " ".join(bare),
        f"  {bare[:3]}-{bare[3:9]} {bare[9:]}\n",
        "-" + "--".join(bare) + "-",
        number.replace("1", "I").replace("0", "O"),
        number.replace("1", "l").replace("0", "o"),
        number.replace("1", "L"),
        "".join(chr(ord(char) + 0xFEE0) for char in number),  # full-width, as IMEs type
        number.replace("-", "\u2014"),
        number.replace("-", "\u3000"),
    ]
    for text in typed:
        assert normalize_number(text) == number, text


def test_malformed_numbers_are_none():
    number = new_number()
    bare = number.replace("-", "")
    for text in [
        "",
        "-",
        bare[:-1],
        bare + "0",
        "U" + bare[1:],  # U is no symbol
        "*" + bare[1:],
        bare[:-1] + "*",
        "К" + bare[1:],  # Cyrillic
        bare[:8] + "_" + bare[8:],
        bare[:8] + "/" + bare[8:],
        "0" * 1000,
        number + "🙂",
    ]:
        assert normalize_number(text) is None, text


@pytest.mark.parametrize("number", _numbers(300))
def test_every_single_substitution_is_caught(number: str):
    bare = number.replace("-", "")
    for position, original in enumerate(bare):
        for typed in TYPED:
            if _CANONICAL.get(typed, typed) == original:
                continue  # an alias of the same symbol: no typo
            text = bare[:position] + typed + bare[position + 1 :]
            assert normalize_number(text) is None, (number, text)


@pytest.mark.parametrize("number", _numbers(300))
def test_every_adjacent_transposition_is_caught(number: str):
    bare = number.replace("-", "")
    for position in range(len(bare) - 1):  # the last swap moves the check character
        first, second = bare[position], bare[position + 1]
        if first == second:
            continue
        text = bare[:position] + second + first + bare[position + 2 :]
        assert normalize_number(text) is None, (number, text)
        if position % 4 == 3:  # the swap across a hyphen, as read from paper
            at = position + position // 4
            grouped = number[:at] + f"{second}-{first}" + number[at + 3 :]
            assert normalize_number(grouped) is None, (number, grouped)


def test_a_hyphen_typed_in_the_wrong_place_is_no_typo():
    number = new_number()
    moved = number[:3] + "-" + number[3] + number[5:]
    assert normalize_number(moved) == number


# -- numbers issued under the old check symbol ---------------------------------------------------


def _legacy_numbers() -> list[str]:
    """Old numbers, one for each of the 37 old check symbols."""
    numbers = []
    for wanted in range(37):
        value = secrets.randbits(80)
        numbers.append(_legacy(value - value % 37 + wanted))
    return numbers


def test_old_numbers_read_as_printed_and_as_typed():
    for number in _legacy_numbers():
        assert legacy_number(number) == number
        assert legacy_number(number.lower().replace("-", " ")) == number
        assert legacy_number(number.replace("1", "I").replace("0", "O")) == number


def test_old_numbers_whose_punctuation_was_dropped_from_a_link_read_whole():
    for number in _legacy_numbers():
        cut = number[:-1]  # "XXXX-XXXX-XXXX-XXXX-": the chat app left the hyphen
        if number[-1] in "*~$=":
            assert legacy_number(cut) == number
            assert legacy_number(cut.rstrip("-")) == number
        else:
            assert legacy_number(cut) is None  # a letter or digit is never dropped


def test_old_numbers_still_catch_typos():
    for number in _legacy_numbers():
        bare = number.replace("-", "")
        for position, original in enumerate(bare):
            for typed in TYPED:
                if _CANONICAL.get(typed, typed) == original:
                    continue
                text = bare[:position] + typed + bare[position + 1 :]
                assert legacy_number(text) is None, (number, text)
