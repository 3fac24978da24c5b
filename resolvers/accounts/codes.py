"""SMS verification codes (短信验证码): 6 digits, 5 minutes, single use, 5 tries, rate-limited."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import uuid
from enum import StrEnum

from tortoise.expressions import F

from models import VerificationCode
from notifications.sms import SmsSender
from resolvers.core.clock import now
from resolvers.core.errors import DomainError, ErrorCode
from resolvers.core.validation import FieldChecker

CODE_LIFETIME = dt.timedelta(minutes=5)
MAX_TRIES = 5
SEND_INTERVAL = dt.timedelta(minutes=1)
MAX_SENDS_PER_DAY = 10


class CodePurpose(StrEnum):
    REGISTER = "register"  # 注册 / 认领学习账户
    INSTITUTION_REGISTER = "institution_register"
    CHANGE_PASSWORD = "change_password"
    CHANGE_PHONE = "change_phone"
    EXPORT = "export"


_PURPOSE_TEXT = {
    CodePurpose.REGISTER: "注册学习账户",
    CodePurpose.INSTITUTION_REGISTER: "注册机构账户",
    CodePurpose.CHANGE_PASSWORD: "修改密码",
    CodePurpose.CHANGE_PHONE: "更换手机号",
    CodePurpose.EXPORT: "导出数据",
}


def _digest(phone: str, purpose: str, code: str) -> str:
    return hashlib.sha256(f"{phone}:{purpose}:{code}".encode()).hexdigest()


async def send_code(phone: str, purpose: CodePurpose, sender: SmsSender) -> dt.datetime:
    """Send a fresh code to ``phone``; returns when it expires."""
    checker = FieldChecker()
    phone = checker.phone("phone", phone)
    checker.done()
    stamp = now()
    last = await VerificationCode.filter(phone=phone).order_by("-created_at").first()
    if last is not None and stamp - last.created_at < SEND_INTERVAL:
        wait = int((SEND_INTERVAL - (stamp - last.created_at)).total_seconds()) + 1
        raise DomainError.of(
            ErrorCode.RATE_LIMITED, f"验证码发送过于频繁，请{wait}秒后再试", "phone"
        )
    sent_today = await VerificationCode.filter(
        phone=phone, created_at__gt=stamp - dt.timedelta(days=1)
    ).count()
    if sent_today >= MAX_SENDS_PER_DAY:
        raise DomainError.of(ErrorCode.RATE_LIMITED, "该手机号今日获取验证码次数已达上限", "phone")
    code = f"{secrets.randbelow(1_000_000):06d}"
    record = await VerificationCode.create(
        phone=phone,
        purpose=purpose,
        code_hash=_digest(phone, purpose, code),
        expires_at=stamp + CODE_LIFETIME,
    )
    minutes = int(CODE_LIFETIME.total_seconds() // 60)
    await sender.send(
        phone, f"【学分银行】验证码{code}，用于{_PURPOSE_TEXT[purpose]}，{minutes}分钟内有效。"
    )
    return record.expires_at


async def check_code(phone: str, purpose: CodePurpose, code: str, field: str = "code") -> uuid.UUID:
    """Compare ``code`` with the latest live code of ``phone``; every guess uses up a try,
    taken atomically before comparing, so concurrent guesses cannot exceed the tries.

    Call it before the use-case's transaction, then :func:`consume_code` inside it, so that a
    rolled-back change leaves the code usable and a wrong guess is counted all the same."""
    record = (
        await VerificationCode.filter(phone=phone, purpose=purpose, used_at=None)
        .order_by("-created_at")
        .first()
    )
    if record is None or record.expires_at <= now():
        raise DomainError.of(ErrorCode.CODE_EXPIRED, "验证码已失效，请重新获取", field)
    tried = await VerificationCode.filter(id=record.id, attempts__lt=MAX_TRIES).update(
        attempts=F("attempts") + 1
    )
    if not tried:
        raise DomainError.of(ErrorCode.CODE_INVALID, "验证码错误次数过多，请重新获取", field)
    if not hmac.compare_digest(record.code_hash, _digest(phone, purpose, code.strip())):
        raise DomainError.of(ErrorCode.CODE_INVALID, "验证码不正确", field)
    return record.id


async def consume_code(code_id: uuid.UUID, field: str = "code") -> None:
    """Mark a checked code used; exactly one of two concurrent requests wins it."""
    used = await VerificationCode.filter(id=code_id, used_at=None).update(used_at=now())
    if used != 1:
        raise DomainError.of(ErrorCode.CODE_EXPIRED, "验证码已被使用，请重新获取", field)
