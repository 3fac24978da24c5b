"""Unit tests of the field validators, masking and credit bank card numbers."""

from __future__ import annotations

import pytest

from models import IdType
from resolvers.accounts.cards import (
    CARD_PREFIX,
    is_valid_card_number,
    luhn_check_digit,
    new_card_number,
)
from resolvers.core.errors import DomainError, ErrorCode
from resolvers.core.masking import mask_id_number, mask_name, mask_phone
from resolvers.core.validation import (
    FieldChecker,
    credit_code_check_char,
    credit_code_error,
    id_number_error,
    password_error,
    resident_id_check_char,
    resident_id_error,
)

# Published GB 11643 examples, and the one behind SPEC §1's masking example.
VALID_IDS = ["11010519491231002X", "440524188001010014", "632323190605260922"]
# The GB 32100 example code and a real enterprise's code.
VALID_CREDIT_CODES = ["91350100M000100Y43", "91110000600037341L"]


def _problems(checker: FieldChecker) -> list[tuple[str | None, ErrorCode]]:
    return [(p.field, p.code) for p in checker.problems.items]


# GB 11643 resident ID numbers


@pytest.mark.parametrize("number", VALID_IDS)
def test_valid_resident_id(number):
    assert resident_id_error(number) is None
    assert resident_id_check_char(number[:17]) == number[17]


@pytest.mark.parametrize(
    ("number", "wrong"),
    [("11010519491231002X", "1"), ("440524188001010014", "5"), ("632323190605260922", "X")],
)
def test_wrong_check_digit(number, wrong):
    assert resident_id_error(number[:17] + wrong) == "居民身份证号校验位不正确"


@pytest.mark.parametrize(
    "first17",
    ["11010519490230002", "11010519491331002", "11010519491200002", "11010520230229002"],
)
def test_bad_birth_date(first17):
    # The check character is right, so only the date can be what is wrong.
    number = first17 + resident_id_check_char(first17)
    assert resident_id_error(number) == "居民身份证号中的出生日期无效"


def test_leap_day_birth_date_is_valid():
    first17 = "11010520000229002"
    assert resident_id_error(first17 + resident_id_check_char(first17)) is None


@pytest.mark.parametrize(
    "number",
    [
        "",
        "1101051949123100",
        "11010519491231002",
        "11010519491231002X0",
        "1101051949123100XX",
        "X1010519491231002X",
        "11010519491231002Y",
        "11010519491231002x",
    ],
)
def test_malformed_resident_id(number):
    assert resident_id_error(number) == "居民身份证号应为18位，前17位为数字，最后一位为数字或X"


def test_checker_normalises_lowercase_x():
    checker = FieldChecker()
    assert checker.id_number("idNumber", IdType.RESIDENT_ID, " 11010519491231002x ") == (
        "11010519491231002X"
    )
    assert _problems(checker) == []


def test_checker_reports_id_number_problems_under_the_field():
    checker = FieldChecker(prefix="rows.3.")
    checker.id_number("idNumber", IdType.RESIDENT_ID, "110105194912310021")
    checker.id_number("otherId", IdType.RESIDENT_ID, "   ")
    assert _problems(checker) == [
        ("rows.3.idNumber", ErrorCode.INVALID),
        ("rows.3.otherId", ErrorCode.REQUIRED),
    ]


# Other ID types


@pytest.mark.parametrize(
    ("id_type", "number"),
    [
        (IdType.PASSPORT, "E12345678"),
        (IdType.PASSPORT, "G1234"),
        (IdType.HK_MACAO_PERMIT, "H12345678"),
        (IdType.HK_MACAO_PERMIT, "M1234567801"),
        (IdType.TAIWAN_PERMIT, "12345678"),
        (IdType.TAIWAN_PERMIT, "1234567890"),
    ],
)
def test_other_id_types_valid(id_type, number):
    assert id_number_error(id_type, number) is None


@pytest.mark.parametrize(
    ("id_type", "number"),
    [
        (IdType.PASSPORT, "E123"),
        (IdType.PASSPORT, "E1234-5678"),
        (IdType.PASSPORT, "A" * 18),
        (IdType.HK_MACAO_PERMIT, "C12345678"),
        (IdType.HK_MACAO_PERMIT, "H1234567"),
        (IdType.HK_MACAO_PERMIT, "H123456789"),
        (IdType.TAIWAN_PERMIT, "1234567"),
        (IdType.TAIWAN_PERMIT, "123456789"),
        (IdType.TAIWAN_PERMIT, "T12345678"),
    ],
)
def test_other_id_types_invalid(id_type, number):
    assert id_number_error(id_type, number) == f"{id_type.label}号码格式不正确"


def test_passport_lowercase_is_normalised():
    checker = FieldChecker()
    assert checker.id_number("idNumber", IdType.PASSPORT, "e12345678") == "E12345678"
    assert _problems(checker) == []


def test_resident_id_rules_do_not_apply_to_passports():
    assert id_number_error(IdType.PASSPORT, "11010519491231002") is None


# GB 32100 unified social credit codes


@pytest.mark.parametrize("code", VALID_CREDIT_CODES)
def test_valid_credit_code(code):
    assert credit_code_error(code) is None
    assert credit_code_check_char(code[:17]) == code[17]


@pytest.mark.parametrize("code", VALID_CREDIT_CODES)
def test_credit_code_wrong_check_char(code):
    wrong = "0" if code[17] != "0" else "1"
    assert credit_code_error(code[:17] + wrong) == "统一社会信用代码校验位不正确"


@pytest.mark.parametrize("letter", ["I", "O", "Z", "S", "V"])
def test_credit_code_forbidden_letters(letter):
    code = "91350100M000100Y4" + letter
    assert credit_code_error(code) == (
        "统一社会信用代码应为18位数字或大写字母（不含I、O、Z、S、V）"
    )
    inside = "91350100" + letter + "000100Y43"
    assert credit_code_error(inside) is not None


@pytest.mark.parametrize("code", ["", "91350100M000100Y4", "91350100M000100Y433"])
def test_credit_code_wrong_length(code):
    assert credit_code_error(code) == (
        "统一社会信用代码应为18位数字或大写字母（不含I、O、Z、S、V）"
    )


def test_checker_uppercases_credit_code():
    checker = FieldChecker()
    assert checker.credit_code("creditCode", " 91350100m000100y43 ") == "91350100M000100Y43"
    assert _problems(checker) == []


# Passwords


@pytest.mark.parametrize("password", ["abcdefg1", "Abc12345", "a1" * 8, "Pass_word!9"])
def test_good_passwords(password):
    assert password_error(password) is None


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("abc1234", "密码应为8-16位字符"),
        ("abcdefgh12345678x", "密码应为8-16位字符"),
        ("", "密码应为8-16位字符"),
        ("abcdefgh", "密码必须同时包含字母和数字"),
        ("12345678", "密码必须同时包含字母和数字"),
        ("!!!!!!!!", "密码必须同时包含字母和数字"),
        ("abcd 1234", "密码只能包含字母、数字和英文符号"),
        ("密码abc12345", "密码只能包含字母、数字和英文符号"),
    ],
)
def test_bad_passwords(password, message):
    assert password_error(password) == message


# FieldChecker


def test_text_required_and_stripped():
    checker = FieldChecker()
    assert checker.text("name", "  张三  ", max_length=50) == "张三"
    assert checker.text("title", "   ", max_length=50) == ""
    assert checker.text("note", None, max_length=50, required=False) == ""
    assert _problems(checker) == [("title", ErrorCode.REQUIRED)]


def test_text_too_long():
    checker = FieldChecker()
    checker.text("name", "张" * 50, max_length=50)
    assert _problems(checker) == []
    checker.text("name", "张" * 51, max_length=50)
    assert _problems(checker) == [("name", ErrorCode.TOO_LONG)]
    assert checker.problems.items[0].message == "长度不能超过50个字符"


def test_done_raises_every_problem_at_once():
    checker = FieldChecker()
    checker.text("name", "", max_length=10)
    checker.phone("phone", "12345")
    checker.password("password", "short")
    with pytest.raises(DomainError) as raised:
        checker.done()
    assert [(p.field, p.code) for p in raised.value.problems] == [
        ("name", ErrorCode.REQUIRED),
        ("phone", ErrorCode.INVALID),
        ("password", ErrorCode.INVALID),
    ]


def test_done_without_problems_is_silent():
    checker = FieldChecker()
    checker.text("name", "张三", max_length=10)
    checker.done()


@pytest.mark.parametrize("phone", ["13800138000", "19912345678", " 17012349087 "])
def test_good_phones(phone):
    checker = FieldChecker()
    assert checker.phone("phone", phone) == phone.strip()
    assert _problems(checker) == []


@pytest.mark.parametrize("phone", ["", "1380013800", "138001380001", "12800138000", "1380013800a"])
def test_bad_phones(phone):
    checker = FieldChecker()
    checker.phone("phone", phone)
    assert _problems(checker) == [("phone", ErrorCode.INVALID)]


# Masking (SPEC §1)


def test_mask_resident_id():
    assert mask_id_number("632323190605260922") == "632323*****0922"


def test_mask_short_id_keeps_two_each_side():
    assert mask_id_number("E12345678") == "E1*****78"


def test_mask_phone():
    assert mask_phone("17012349087") == "170****9087"
    assert mask_phone(None) is None
    assert mask_phone("") == ""
    assert mask_phone("12345") == "*****"


def test_mask_name():
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_name("张") == "张"


# Credit bank card numbers (学银卡号)


def test_luhn_known_values():
    assert luhn_check_digit("7992739871") == "3"
    assert luhn_check_digit("411111111111111") == "1"


def test_valid_card_numbers():
    assert is_valid_card_number("4111111111111111")
    assert not is_valid_card_number("4111111111111112")
    assert not is_valid_card_number("411111111111111")
    assert not is_valid_card_number("41111111111111110")
    assert not is_valid_card_number("411111111111111a")


def test_new_card_numbers_are_16_digits_with_luhn():
    numbers = {new_card_number() for _ in range(200)}
    assert len(numbers) == 200
    for number in numbers:
        assert len(number) == 16
        assert number.isdigit()
        assert number.startswith(CARD_PREFIX)
        assert is_valid_card_number(number)
