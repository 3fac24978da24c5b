"""批量导入 queries: the templates and the import records."""

from __future__ import annotations

import strawberry

from graphql_api.common import Page, parse_id
from graphql_api.context import Info

# Registered as GraphQL enums; annotations use the model classes themselves (mypy accepts them).
from graphql_api.imports.types import (
    ImportRecordType,
)
from graphql_api.permissions import IsInstitution
from models import ImportKind
from resolvers import imports


@strawberry.type
class ImportQuery:
    @strawberry.field(
        description="Institutions: 导入记录 of the past year, newest first; filter by kind and, "
        "for learner achievements, by catalogue entry.",
        permission_classes=[IsInstitution],
    )
    async def import_records(
        self,
        info: Info,
        page: int = 1,
        page_size: int = 10,
        kind: ImportKind | None = None,
        catalogue_entry_id: strawberry.ID | None = None,
    ) -> Page[ImportRecordType]:
        entry = parse_id(catalogue_entry_id, "catalogueEntryId") if catalogue_entry_id else None
        rows, total = await imports.list_records(info.context.actor, page, page_size, kind, entry)
        return Page.of(rows, total, page, page_size, ImportRecordType.from_model)

    @strawberry.field(
        description="Institutions: one import record, to poll its progress.",
        permission_classes=[IsInstitution],
    )
    async def import_record(self, info: Info, id: strawberry.ID) -> ImportRecordType:
        row = await imports.get_record(info.context.actor, parse_id(id))
        return ImportRecordType.from_model(row)

    @strawberry.field(
        description="The address of an import template (.xlsx, no login needed): "
        "`/templates/<kind>.xlsx`, with `?subtype=<code>` for catalogue entries."
    )
    def import_template_url(
        self,
        kind: ImportKind,
        subtype: str | None = None,
    ) -> str:
        query = f"?subtype={subtype}" if subtype else ""
        return f"/templates/{kind.value}.xlsx{query}"
