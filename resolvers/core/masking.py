"""Masking of ID and phone numbers in lists (SPEC §1): ``632323*****0922``, ``170****9087``."""

from __future__ import annotations


def mask_id_number(number: str) -> str:
    if len(number) <= 10:
        return number[:2] + "*" * max(len(number) - 4, 1) + number[-2:]
    return f"{number[:6]}*****{number[-4:]}"


def mask_phone(phone: str | None) -> str | None:
    if not phone:
        return phone
    if len(phone) < 7:
        return "*" * len(phone)
    return f"{phone[:3]}****{phone[-4:]}"


def mask_name(name: str) -> str:
    """Keep the family name: 张三 → 张*, 欧阳娜娜 → 欧***."""
    if len(name) <= 1:
        return name
    return name[0] + "*" * (len(name) - 1)
