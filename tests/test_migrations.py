"""The committed migrations match the models, and they are what builds the test database."""

from __future__ import annotations

from tortoise import Tortoise
from tortoise.migrations.autodetector import MigrationAutodetector

from graphql_api.settings import tortoise_config


async def test_models_and_migrations_agree(db):
    apps_config = tortoise_config("sqlite://:memory:")["apps"]
    detector = MigrationAutodetector(Tortoise.apps, apps_config)
    pending = await detector.changes()
    assert [w.name for w in pending] == [], (
        "models changed without a migration: run `.venv/bin/tortoise makemigrations`"
    )


async def test_database_was_built_by_migrations(db):
    connection = Tortoise.get_connection("default")
    _, rows = await connection.execute_query("SELECT name FROM tortoise_migrations")
    assert {row["name"] for row in rows} >= {"0001_initial"}
