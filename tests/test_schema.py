"""schema.graphql is committed and must match the code."""

from __future__ import annotations

from graphql_api.cli import export_schema
from graphql_api.settings import PROJECT_DIR


def test_committed_schema_matches_code():
    committed = (PROJECT_DIR / "schema.graphql").read_text(encoding="utf-8")
    assert committed == export_schema(), (
        "schema.graphql drifted from the code: run `.venv/bin/python -m graphql_api.cli schema`"
    )
