"""Field validators: ID numbers (GB 11643), credit codes (GB 32100), phones, passwords, text."""

from __future__ import annotations

import datetime as dt
import re
from operator import mul

from models import IdType
from resolvers.core.errors import ErrorCode, Problems

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_PHONE = re.compile(r"1[3-9]\d{9}")
_PASSWORD_CHARS = re.compile(r"[\x21-\x7e]+")
_OTHER_ID_FORMATS = {
    IdType.PASSPORT: re.compile(r"[A-Z0-9]{5,17}"),
    IdType.HK_MACAO_PERMIT: re.compile(r"[HM]\d{8}(\d{2})?"),
    IdType.TAIWAN_PERMIT: re.compile(r"\d{8}(\d{2})?"),
}
_USERNAME = re.compile(r"[A-Za-z0-9_]{4,30}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_POSTCODE = re.compile(r"\d{6}")


def resident_id_check_char(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits of a resident ID number."""
    total = sum(map(mul, map(int, first17), _ID_WEIGHTS))  # first17 is 17 digits
    return _ID_CHECK[total % 11]


def resident_id_error(number: str) -> str | None:
    """Why ``number`` is not a valid 18-character resident ID number, or None."""
    if not re.fullmatch(r"\d{17}[\dX]", number):
        return "居民身份证号应为18位，前17位为数字，最后一位为数字或X"
    try:
        dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return "居民身份证号中的出生日期无效"
    if resident_id_check_char(number[:17]) != number[17]:
        return "居民身份证号校验位不正确"
    return None


def normalize_id_number(number: str) -> str:
    return number.strip().upper()


def id_number_error(id_type: IdType, number: str) -> str | None:
    if id_type == IdType.RESIDENT_ID:
        return resident_id_error(number)
    if not _OTHER_ID_FORMATS[id_type].fullmatch(number):
        return f"{id_type.label}号码格式不正确"
    return None


def credit_code_check_char(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters of a unified social credit code."""
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_CHARS[(31 - total % 31) % 31]


def credit_code_error(code: str) -> str | None:
    if len(code) != 18 or any(c not in _USCC_CHARS for c in code):
        return "统一社会信用代码应为18位数字或大写字母（不含I、O、Z、S、V）"
    if credit_code_check_char(code[:17]) != code[17]:
        return "统一社会信用代码校验位不正确"
    return None


def password_error(password: str) -> str | None:
    if not 8 <= len(password) <= 16:
        return "密码应为8-16位字符"
    if not _PASSWORD_CHARS.fullmatch(password):
        return "密码只能包含字母、数字和英文符号"
    if not (re.search(r"[A-Za-z]", password) and re.search(r"\d", password)):
        return "密码必须同时包含字母和数字"
    return None


class FieldChecker:
    """Checks the fields of one input, collecting problems under their GraphQL field names."""

    def __init__(self, prefix: str = "") -> None:
        self.problems = Problems()
        self._prefix = prefix

    def _name(self, field: str) -> str:
        return f"{self._prefix}{field}"

    def text(self, field: str, value: str | None, *, max_length: int, required: bool = True) -> str:
        value = (value or "").strip()
        if not value:
            if required:
                self.problems.add(self._name(field), ErrorCode.REQUIRED, "此项为必填项")
        elif len(value) > max_length:
            self.problems.add(
                self._name(field), ErrorCode.TOO_LONG, f"长度不能超过{max_length}个字符"
            )
        return value

    def check(self, field: str, error: str | None) -> None:
        if error:
            self.problems.add(self._name(field), ErrorCode.INVALID, error)

    def id_number(self, field: str, id_type: IdType, value: str) -> str:
        number = normalize_id_number(value)
        if not number:
            self.problems.add(self._name(field), ErrorCode.REQUIRED, "请输入证件号码")
        else:
            self.check(field, id_number_error(id_type, number))
        return number

    def phone(self, field: str, value: str) -> str:
        phone = value.strip()
        if not _PHONE.fullmatch(phone):
            self.problems.add(self._name(field), ErrorCode.INVALID, "请输入11位手机号码")
        return phone

    def password(self, field: str, value: str) -> str:
        self.check(field, password_error(value))
        return value

    def credit_code(self, field: str, value: str) -> str:
        code = value.strip().upper()
        self.check(field, credit_code_error(code))
        return code

    def username(self, field: str, value: str) -> str:
        name = value.strip()
        if not _USERNAME.fullmatch(name):
            self.problems.add(
                self._name(field), ErrorCode.INVALID, "登录账号应为4-30位字母、数字或下划线"
            )
        return name

    def email(self, field: str, value: str) -> str:
        email = self.text(field, value, max_length=100)
        if email and not _EMAIL.fullmatch(email):
            self.problems.add(self._name(field), ErrorCode.INVALID, "电子邮件格式不正确")
        return email

    def postcode(self, field: str, value: str) -> str:
        code = value.strip()
        if not _POSTCODE.fullmatch(code):
            self.problems.add(self._name(field), ErrorCode.INVALID, "邮政编码应为6位数字")
        return code

    def done(self) -> None:
        self.problems.raise_if_any()
