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


async def _indexes(connection, table: str) -> set[tuple[tuple[str, ...], bool]]:
    """Each index of ``table`` as (its columns in order, whether it is unique)."""
    if connection.capabilities.dialect == "sqlite":
        _, rows = await connection.execute_query(f'PRAGMA index_list("{table}")')
        found = set()
        for row in rows:
            _, columns = await connection.execute_query(f'PRAGMA index_info("{row["name"]}")')
            ordered = tuple(c["name"] for c in sorted(columns, key=lambda c: c["seqno"]))
            found.add((ordered, bool(row["unique"])))
        return found
    _, rows = await connection.execute_query(
        "SELECT ix.indisunique AS is_unique, array_agg(a.attname ORDER BY k.n) AS columns "
        "FROM pg_index ix JOIN pg_class t ON t.oid = ix.indrelid "
        "CROSS JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY AS k(attnum, n) "
        "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum "
        "WHERE t.relname = $1 GROUP BY ix.indexrelid, ix.indisunique",
        [table],
    )
    return {(tuple(row["columns"]), row["is_unique"]) for row in rows}


async def test_every_declared_index_and_unique_pair_exists(db):
    """A table rebuilt by a SQLite migration once lost its UNIQUE (id_type, id_number)."""
    connection = Tortoise.get_connection("default")
    missing = []
    for model in Tortoise.apps["models"].values():
        meta = model._meta
        present = await _indexes(connection, meta.db_table)
        column = {name: meta.fields_map[name].source_field or name for name in meta.fields_map}
        for names in meta.unique_together:
            wanted = tuple(column[name] for name in names)
            if (wanted, True) not in present:
                missing.append(f"{meta.db_table}: UNIQUE {wanted}")
        for index in meta.indexes:
            names = index if isinstance(index, tuple) else tuple(index.fields)
            wanted = tuple(column.get(name, name) for name in names)
            if not any(columns == wanted for columns, _ in present):
                missing.append(f"{meta.db_table}: INDEX {wanted}")
    assert missing == []
