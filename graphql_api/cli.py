"""Command line: ``python -m graphql_api.cli migrate | create-admin | admin-setup | admin-reset |
demo | run-imports | schema``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from tortoise import Tortoise
from tortoise.migrations.api.migrate import migrate as tortoise_migrate

from graphql_api.settings import PROJECT_DIR, Settings

if TYPE_CHECKING:
    from graphql_api.errors import FieldError


@contextlib.asynccontextmanager
async def orm(settings: Settings) -> AsyncIterator[None]:
    await Tortoise.init(config=settings.tortoise)
    try:
        yield
    finally:
        await Tortoise.close_connections()


def _ensure_sqlite_folder(settings: Settings) -> None:
    url = settings.database_url
    if url.startswith("sqlite://") and ":memory:" not in url:
        Path(url.removeprefix("sqlite://")).parent.mkdir(parents=True, exist_ok=True)


async def migrate(settings: Settings) -> None:
    _ensure_sqlite_folder(settings)
    try:
        await tortoise_migrate(config=settings.tortoise)
    finally:
        await Tortoise.close_connections()
    from resolvers.catalogue.taxonomy import ensure_default_taxonomy

    async with orm(settings):
        await ensure_default_taxonomy()
    print("migrations applied, taxonomy in place")


async def create_admin(settings: Settings, username: str, name: str) -> None:
    from resolvers.accounts.admins import create_administrator, issue_admin_token

    async with orm(settings):
        admin = await create_administrator(username, name)
        token = await issue_admin_token(admin)
    print(f"administrator {admin.username}; token (send as 'Authorization: Bearer …'):")
    print(token)


async def set_up_admin(
    secret_key: str,
    username: str,
    password: str,
    *,
    name: str | None = None,
    reset: bool = False,
    qr: bool = True,
    out: TextIO = sys.stdout,
) -> str:
    """Set up or reset an administrator's password and TOTP; print the authenticator's URI
    (and a QR code of it) once. Returns the URI."""
    from resolvers.accounts.admins import set_credentials

    credentials = await set_credentials(
        username, password, secret_key=secret_key, name=name, reset=reset
    )
    uri = credentials.provisioning_uri
    done = "重置" if reset else "设置"
    print(f"管理员 {credentials.admin.username}：已{done}密码和动态口令 (TOTP)。", file=out)
    if reset:
        print("原来的动态口令和该管理员的所有会话（含命令行令牌）已失效。", file=out)
    print("用身份验证器应用扫描下面的二维码，或输入此地址（只显示这一次）：", file=out)
    print(uri, file=out)
    if qr:
        import qrcode

        code = qrcode.QRCode(border=2)
        code.add_data(uri)
        code.print_ascii(out=out, invert=True)
    print("登录：GraphiQL 中 adminLogin(input: {username, password, code})", file=out)
    return uri


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("新密码（8-16位，含字母和数字）: ")
    if getpass.getpass("再输入一次: ") != first:
        raise SystemExit("两次输入的密码不一致")
    return first


async def admin_credentials(settings: Settings, args: argparse.Namespace, reset: bool) -> None:
    password = _read_password(args.password_stdin)
    async with orm(settings):
        await set_up_admin(
            settings.secret_key,
            args.username,
            password,
            name=getattr(args, "name", None),
            reset=reset,
            qr=not args.no_qr,
        )


async def demo(settings: Settings) -> None:
    from models import Administrator
    from resolvers.accounts.admins import issue_admin_token
    from resolvers.core.storage import LocalFolderStorage
    from resolvers.demo import DEMO_ADMIN, load_demo_data

    async with orm(settings):
        logins = await load_demo_data(LocalFolderStorage(settings.files_dir))
        token = await issue_admin_token(await Administrator.get(username=DEMO_ADMIN))
    port = os.environ.get("PORT", "8000")
    print()
    print(f"GraphiQL:            http://127.0.0.1:{port}/graphql")
    print(f"Administrator token: {token}")
    print('  (in GraphiQL, Headers: {"Authorization": "Bearer <token>"})')
    print(f"  password + TOTP login: python -m graphql_api.cli admin-setup --username {DEMO_ADMIN}")
    print("Institutions (institutionLogin account / password):")
    for line in logins["institutions"]:
        print(f"  {line}")
    print("Learners (learnerLogin account / password):")
    for line in logins["learners"]:
        print(f"  {line}")
    print("SMS codes are written to this log (SMS_SENDER=log).")
    print()


async def run_imports(settings: Settings, job_ids: list[str], force: bool) -> None:
    """Run import jobs here and now: the given ones, or every one left unfinished."""
    import uuid

    from models import ImportJob, ImportStatus
    from resolvers.core.storage import LocalFolderStorage
    from resolvers.imports.runner import run_import
    from resolvers.imports.start import ImportLimits

    storage = LocalFolderStorage(settings.files_dir)
    limits = ImportLimits(settings.import_max_rows, settings.import_chunk_rows)
    async with orm(settings):
        unfinished = ImportJob.filter(status__in=[ImportStatus.QUEUED, ImportStatus.RUNNING])
        ids = [uuid.UUID(value) for value in job_ids] or [
            job.id for job in await unfinished.only("id")
        ]
        for job_id in ids:
            job = await run_import(job_id, storage, limits, force=force)
            if job is None:
                print(f"{job_id}: finished already or running elsewhere (use --force)")
            else:
                print(
                    f"{job_id}: {job.status.label}, {job.imported_count} imported, "
                    f"{job.refused_count} refused {job.failure}"
                )


def export_schema() -> str:
    from graphql_api.schema import schema

    return schema.as_str() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m graphql_api.cli")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="apply the migrations to DATABASE_URL")
    admin = commands.add_parser("create-admin", help="create an administrator, print a token")
    admin.add_argument("--username", required=True)
    admin.add_argument("--name", default="学分银行管理员")
    for command, text in (
        ("admin-setup", "set an administrator's password and TOTP (creating it when missing)"),
        ("admin-reset", "replace an administrator's password and TOTP, ending its sessions"),
    ):
        credentials = commands.add_parser(command, help=text)
        credentials.add_argument("--username", required=True)
        if command == "admin-setup":
            credentials.add_argument("--name", default=None, help="for a new administrator")
        credentials.add_argument(
            "--password-stdin", action="store_true", help="read the password from standard input"
        )
        credentials.add_argument("--no-qr", action="store_true", help="print no QR code")
    commands.add_parser("demo", help="load demo data (idempotent) and print the demo logins")
    imports = commands.add_parser(
        "run-imports", help="run import jobs now (the given ids, or all unfinished ones)"
    )
    imports.add_argument("job_ids", nargs="*")
    imports.add_argument(
        "--force", action="store_true", help="also take jobs that look as if still running"
    )
    schema_cmd = commands.add_parser("schema", help="write the schema to schema.graphql")
    schema_cmd.add_argument("--check", action="store_true", help="fail when it has drifted")
    args = parser.parse_args(argv)

    if args.command == "schema":
        target = PROJECT_DIR / "schema.graphql"
        text = export_schema()
        if args.check:
            if not target.exists() or target.read_text(encoding="utf-8") != text:
                print("schema.graphql is out of date: run python -m graphql_api.cli schema")
                return 1
            return 0
        target.write_text(text, encoding="utf-8")
        return 0
    settings = Settings.from_env()
    if args.command == "migrate":
        asyncio.run(migrate(settings))
    elif args.command == "create-admin":
        asyncio.run(create_admin(settings, args.username, args.name))
    elif args.command in ("admin-setup", "admin-reset"):
        from graphql_api.errors import mutate

        reset = args.command == "admin-reset"
        return asyncio.run(
            mutate(_refused, lambda: admin_credentials(settings, args, reset=reset), lambda _: 0)
        )
    elif args.command == "demo":
        asyncio.run(demo(settings))
    elif args.command == "run-imports":
        asyncio.run(run_imports(settings, args.job_ids, args.force))
    return 0


def _refused(*, errors: list[FieldError]) -> int:
    """The exit status of a command its use-case refused, each problem on standard error."""
    for error in errors:
        print(f"{error.field or ''}: {error.message}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
