"""The administrator's login (管理员登录): password and a TOTP code, for working in GraphiQL."""

from __future__ import annotations

import strawberry

from graphql_api.accounts.mutations import LoginPayload
from graphql_api.context import Info
from graphql_api.errors import mutate
from resolvers.accounts import admins
from resolvers.accounts.logins import LoginAttempt


@strawberry.input(description="管理员登录: login account, password and the authenticator's code.")
class AdminLoginInput:
    username: str
    password: str
    code: str = strawberry.field(
        description="The 6-digit code the authenticator app shows now (TOTP); each code is "
        "accepted once."
    )


@strawberry.type
class AdminLoginMutation:
    @strawberry.mutation(
        description="Anyone: an administrator logs in with password and TOTP code, both set up "
        "from the command line. A wrong password, a wrong or spent code and an unknown account "
        "all get INVALID_CREDENTIALS."
    )
    async def admin_login(self, info: Info, input: AdminLoginInput) -> LoginPayload:
        ctx = info.context
        return await mutate(
            LoginPayload,
            ctx.throttled(
                "login",
                lambda: admins.login_administrator(
                    LoginAttempt(ctx.services.throttle, input.username, ctx.client_address),
                    input.password,
                    input.code,
                    secret_key=ctx.services.settings.secret_key,
                ),
            ),
            lambda token: LoginPayload(errors=[], token=token),
        )
