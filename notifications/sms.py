"""Pluggable SMS senders: to the log (default), to memory (tests)."""

from __future__ import annotations

import logging
from typing import Protocol

log = logging.getLogger("creditbank.sms")


class SmsSender(Protocol):
    async def send(self, phone: str, text: str) -> None: ...


class LogSmsSender:
    """Writes each message to the log, so a developer can read the code there."""

    async def send(self, phone: str, text: str) -> None:
        log.warning("SMS to %s: %s", phone, text)


class MemorySmsSender:
    """Keeps every message in a list; tests read codes from it."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    async def send(self, phone: str, text: str) -> None:
        self.sent.append((phone, text))

    def last_text(self, phone: str) -> str:
        for to, text in reversed(self.sent):
            if to == phone:
                return text
        raise LookupError(f"no SMS was sent to {phone}")


def sms_sender(name: str) -> SmsSender:
    senders: dict[str, type[LogSmsSender] | type[MemorySmsSender]] = {
        "log": LogSmsSender,
        "memory": MemorySmsSender,
    }
    if name not in senders:
        raise ValueError(f"unknown SMS_SENDER {name!r}; use one of {sorted(senders)}")
    return senders[name]()
