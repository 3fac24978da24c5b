"""Enumerations that carry their Chinese label for display."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class LabelledEnum(StrEnum):
    """A string enum whose members are declared as ``NAME = "value", "中文标签"``."""

    label: str

    def __new__(cls, value: str, label: str = "") -> Any:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label or value
        return member
