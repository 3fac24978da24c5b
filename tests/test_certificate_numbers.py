"""Report numbers: 80 random bits, grouped Crockford base32 with a mod-37 check symbol that
catches every single-character substitution and every adjacent transposition."""

from __future__ import annotations

import re
import secrets

import pytest

from models import Certificate
from resolvers import certificate_numbers
from resolvers.certificate_numbers import (
    ALPHABET,
    CHECK_SYMBOLS,
    new_number,
    normalize_number,
)

SHAPE = re.compile(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}-[0-9A-HJKMNP-TV-Z*~$=U]")
TYPED = CHECK_SYMBOLS + "ILO"  # every symbol a person may type, aliases included
_CANONICAL = {"I": "1", "L": "1", "O": "0"}


def _number(value: int) -> str:
    """A number built by hand from its 80-bit value, to check the module against."""
    data = ""
    rest = value
    for _ in range(16):
        data = ALPHABET[rest % 32] + data
        rest //= 32
    groups = [data[i : i + 4] for i in range(0, 16, 4)]
    return "-".join([*groups, CHECK_SYMBOLS[value % 37]])


def _numbers(count: int) -> list[str]:
    """Random numbers, and numbers whose check is each of the five check-only symbols."""
    numbers = [new_number() for _ in range(count)]
    for wanted in range(32, 37):
        value = secrets.randbits(80)
        numbers.append(_number(value - value % 37 + wanted))
    return numbers


def test_numbers_have_the_grouped_shape_and_fit_the_column():
    for _ in range(500):
        number = new_number()
        assert SHAPE.fullmatch(number), number
        assert len(number) == 21
    column = Certificate._meta.fields_map["number"]
    assert len(new_number()) <= getattr(column, "max_length", 0) == 32


def test_the_check_symbol_is_crockfords_mod_37():
    assert _number(1).endswith("-1")
    assert [_number(value)[-1] for value in range(31, 38)] == list("Z*~$=U0")
    for value in [0, 1, 32, 33, 34, 35, 36, 37, 2**80 - 1]:
        assert normalize_number(_number(value)) == _number(value)


def test_numbers_carry_80_random_bits_from_secrets(monkeypatch: pytest.MonkeyPatch):
    asked: list[int] = []

    def randbits(bits: int) -> int:
        asked.append(bits)
        return 2**bits - 1

    monkeypatch.setattr(certificate_numbers.secrets, "randbits", randbits)
    assert (
        new_number()
        == _number(2**80 - 1)
        == "ZZZZ-ZZZZ-ZZZZ-ZZZZ-" + CHECK_SYMBOLS[(2**80 - 1) % 37]
    )
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
    number = _number(value)
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
        "U" + bare[1:],  # U is only a check symbol
        "*" + bare[1:],
        "К" + bare[1:],  # Cyrillic
        bare[:8] + "_" + bare[8:],
        bare[:8] + "/" + bare[8:],
        "0" * 1000,
        number + "🙂",
    ]:
        assert normalize_number(text) is None, text


@pytest.mark.parametrize("number", _numbers(60))
def test_every_single_substitution_is_caught(number: str):
    bare = number.replace("-", "")
    for position, original in enumerate(bare):
        for typed in TYPED:
            if _CANONICAL.get(typed, typed) == original:
                continue  # an alias of the same symbol: no typo
            text = bare[:position] + typed + bare[position + 1 :]
            assert normalize_number(text) is None, (number, text)


@pytest.mark.parametrize("number", _numbers(60))
def test_every_adjacent_transposition_is_caught(number: str):
    bare = number.replace("-", "")
    for position in range(len(bare) - 1):
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
