"""The documents and helpers shared by the learner-account tests (test_learner_account_*)."""

from __future__ import annotations

import datetime as dt

from models import VerificationCode

NAME = "张三"


ID_NUMBER = "11010519491231002X"


OTHER_ID_NUMBER = "440524188001010014"


PHONE = "13800138000"


OTHER_PHONE = "13900139000"


PASSWORD = "abc12345"


NEW_PASSWORD = "xyz67890"


LEARNER_FIELDS = """
    id name status cardNumber idNumber phone gender educationLevel professionalTitle
    province city district address occupation activatedAt
"""


ERRORS = "errors { field code message }"


SEND_CODE = f"""
mutation($input: VerificationCodeSendInput!) {{
  verificationCodeSend(input: $input) {{ {ERRORS} phone expiresAt }}
}}"""


REGISTER = f"""
mutation($input: LearnerRegisterInput!) {{
  learnerRegister(input: $input) {{ {ERRORS} token learner {{ {LEARNER_FIELDS} }} }}
}}"""


LOGIN = f"""
mutation($input: LoginInput!) {{ learnerLogin(input: $input) {{ {ERRORS} token }} }}"""


LOGOUT = f"mutation {{ logout {{ {ERRORS} ok }} }}"


PASSWORD_CHANGE = f"""
mutation($input: PasswordChangeInput!) {{
  accountPasswordChange(input: $input) {{ {ERRORS} ok }}
}}"""


PHONE_CHANGE = f"""
mutation($input: PhoneChangeInput!) {{
  accountPhoneChange(input: $input) {{ {ERRORS} phone }}
}}"""


PROFILE_UPDATE = f"""
mutation($input: LearnerProfileInput!) {{
  learnerProfileUpdate(input: $input) {{ {ERRORS} learner {{ {LEARNER_FIELDS} }} }}
}}"""


VIEWER = f"{{ viewer {{ kind name learner {{ {LEARNER_FIELDS} }} }} }}"


def problems(payload: dict) -> list[tuple[str | None, str]]:
    return [(e["field"], e["code"]) for e in payload["errors"]]


async def send_code(
    api, purpose: str = "REGISTER", phone: str | None = PHONE, token: str | None = None
) -> dict:
    variables = {"input": {"purpose": purpose, "phone": phone}}
    return (await api.gql(SEND_CODE, variables, token=token))["verificationCodeSend"]


async def let_a_minute_pass(phone: str) -> None:
    """Age the codes sent to ``phone`` so that the one-a-minute limit allows another send."""
    codes = await VerificationCode.filter(phone=phone)
    for code in codes:
        code.created_at -= dt.timedelta(minutes=2)
        await code.save(update_fields=["created_at"])


async def fresh_code(
    api,
    purpose: str = "REGISTER",
    phone: str | None = PHONE,
    token: str | None = None,
    to: str = PHONE,
) -> str:
    """Send a code (a minute after any earlier one) and read it from the SMS sent to ``to``."""
    await let_a_minute_pass(to)
    payload = await send_code(api, purpose, phone, token)
    assert payload["errors"] == []
    return api.last_code(to)


async def register(
    api,
    *,
    name: str = NAME,
    id_number: str = ID_NUMBER,
    phone: str = PHONE,
    password: str = PASSWORD,
    code: str | None = None,
    id_type: str = "RESIDENT_ID",
) -> dict:
    """Register (sending a code first unless one is given); returns the payload."""
    if code is None:
        code = await fresh_code(api, phone=phone, to=phone)
    variables = {
        "input": {
            "name": name,
            "idType": id_type,
            "idNumber": id_number,
            "phone": phone,
            "password": password,
            "code": code,
        }
    }
    return (await api.gql(REGISTER, variables))["learnerRegister"]


async def registered(api, **kwargs) -> tuple[dict, str]:
    """A registered learner and their token."""
    payload = await register(api, **kwargs)
    assert payload["errors"] == []
    return payload["learner"], payload["token"]


async def login(api, account: str, password: str = PASSWORD) -> dict:
    variables = {"input": {"account": account, "password": password}}
    return (await api.gql(LOGIN, variables))["learnerLogin"]


async def viewer(api, token: str | None) -> dict:
    return (await api.gql(VIEWER, token=token or ""))["viewer"]


async def change_password(
    api, token: str, code: str, old: str = PASSWORD, new: str = NEW_PASSWORD
) -> dict:
    variables = {"input": {"oldPassword": old, "newPassword": new, "code": code}}
    return (await api.gql(PASSWORD_CHANGE, variables, token=token))["accountPasswordChange"]


async def change_phone(
    api, token: str, new_phone: str, code: str, password: str = PASSWORD
) -> dict:
    variables = {"input": {"password": password, "newPhone": new_phone, "code": code}}
    return (await api.gql(PHONE_CHANGE, variables, token=token))["accountPhoneChange"]


async def update_profile(api, token: str, **values) -> dict:
    return (await api.gql(PROFILE_UPDATE, {"input": values}, token=token))["learnerProfileUpdate"]


async def code_row(phone: str = PHONE) -> VerificationCode:
    row = await VerificationCode.filter(phone=phone).order_by("-created_at").first()
    assert row is not None, f"no code was sent to {phone}"
    return row
