"""Credit bank card numbers (学银卡号): 16 digits with a Luhn check digit, unique."""

from __future__ import annotations

import secrets

CARD_PREFIX = "8866"


def luhn_check_digit(digits: str) -> str:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def is_valid_card_number(number: str) -> bool:
    return len(number) == 16 and number.isdigit() and luhn_check_digit(number[:-1]) == number[-1]


def new_card_number() -> str:
    body = f"{CARD_PREFIX}{secrets.randbelow(10**11):011d}"
    return body + luhn_check_digit(body)
