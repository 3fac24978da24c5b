"""Queries of the catalogue: the institution's list and detail, the recognition queue, the
authorisations, and the public catalogue."""

from __future__ import annotations

from typing import Annotated

import strawberry

from graphql_api.catalogue.types import (
    CatalogueEntryType,
    PublicCatalogueEntryType,
    SubtypeAuthorisationType,
)
from graphql_api.common import Page, parse_id
from graphql_api.context import Info
from graphql_api.enums import RecognitionStatus
from graphql_api.permissions import IsAdministrator, IsAdministratorOrInstitution, IsInstitution
from resolvers.catalogue import entries as catalogue


def _optional_id(value: strawberry.ID | None, field: str):
    return parse_id(value, field) if value is not None else None


@strawberry.type
class CatalogueQuery:
    @strawberry.field(
        description="Institution users and tokens: their catalogue (机构成果), newest first, with "
        "the filters of the list. Administrators: every institution's, or one's.",
        permission_classes=[IsAdministratorOrInstitution],
    )
    async def catalogue_entries(
        self,
        info: Info,
        page: int = 1,
        page_size: int = 20,
        name: str | None = None,
        category: str | None = None,
        subtype: str | None = None,
        recognition_status: RecognitionStatus | None = None,
        institution_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Administrators only.")
        ] = None,
    ) -> Page[CatalogueEntryType]:
        rows, total = await catalogue.list_entries(
            info.context.actor,
            page,
            page_size,
            catalogue.EntryFilter(
                name=name,
                category=category,
                subtype=subtype,
                recognition_status=recognition_status,
                institution_id=_optional_id(institution_id, "institutionId"),
            ),
        )
        return Page.of(rows, total, page, page_size, CatalogueEntryType.from_model)

    @strawberry.field(
        description="One catalogue entry (成果详情): its institution's users or administrators.",
        permission_classes=[IsAdministratorOrInstitution],
    )
    async def catalogue_entry(self, info: Info, id: strawberry.ID) -> CatalogueEntryType:
        row = await catalogue.get_entry(info.context.actor, parse_id(id))
        return CatalogueEntryType.from_model(row)

    @strawberry.field(
        description="Administrators: entries waiting for recognition (认定中), oldest first.",
        permission_classes=[IsAdministrator],
    )
    async def recognition_queue(
        self,
        info: Info,
        page: int = 1,
        page_size: int = 20,
        subtype: str | None = None,
        institution_id: strawberry.ID | None = None,
    ) -> Page[CatalogueEntryType]:
        rows, total = await catalogue.recognition_queue(
            info.context.actor,
            page,
            page_size,
            subtype,
            _optional_id(institution_id, "institutionId"),
        )
        return Page.of(rows, total, page, page_size, CatalogueEntryType.from_model)

    @strawberry.field(
        description="Anyone, without logging in: the recognised entries of every institution, "
        "searched by keyword (name or issuer), category, subtype and institution name."
    )
    async def public_catalogue(
        self,
        info: Info,
        page: int = 1,
        page_size: int = 20,
        keyword: str | None = None,
        category: str | None = None,
        subtype: str | None = None,
        institution_name: str | None = None,
    ) -> Page[PublicCatalogueEntryType]:
        rows, total = await catalogue.public_catalogue(
            page,
            page_size,
            catalogue.PublicFilter(
                keyword=keyword,
                category=category,
                subtype=subtype,
                institution_name=institution_name,
            ),
        )
        return Page.of(rows, total, page, page_size, PublicCatalogueEntryType.from_model)

    @strawberry.field(
        description="Institution users and tokens: the restricted subtypes the bank has "
        "authorised their institution to deposit.",
        permission_classes=[IsInstitution],
    )
    async def my_subtype_authorisations(self, info: Info) -> list[SubtypeAuthorisationType]:
        rows = await catalogue.list_authorisations(info.context.actor)
        return [SubtypeAuthorisationType.from_model(r) for r in rows]

    @strawberry.field(
        description="Administrators: every authorisation, or one institution's.",
        permission_classes=[IsAdministrator],
    )
    async def subtype_authorisations(
        self, info: Info, institution_id: strawberry.ID | None = None
    ) -> list[SubtypeAuthorisationType]:
        rows = await catalogue.list_authorisations(
            info.context.actor, _optional_id(institution_id, "institutionId")
        )
        return [SubtypeAuthorisationType.from_model(r) for r in rows]
