"""Mutations of the catalogue: create, delete and submit entries; recognise or refuse them;
authorise restricted subtypes."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from graphql_api.achievements.details import AchievementDetailsInput
from graphql_api.catalogue.types import CatalogueEntryType, SubtypeAuthorisationType
from graphql_api.common import parse_id, same_named
from graphql_api.context import Info
from graphql_api.errors import FieldError, mutate
from graphql_api.permissions import IsAdministrator, IsInstitution
from models import InstitutionAchievement
from resolvers.catalogue import entries as catalogue


@strawberry.input(description="存储新成果: a catalogue entry of one subtype.")
class CatalogueEntryCreateInput:
    subtype: str = strawberry.field(description="成果子类型 code; decides the details member.")
    name: str = strawberry.field(description="成果名称, at most 100 characters.")
    introduction: str = strawberry.field(description="成果简介, at most 2000 characters.")
    details: AchievementDetailsInput
    issuer_name: str | None = strawberry.field(
        default=None, description="颁证机构; the institution's name when omitted."
    )

    def to_domain(self) -> catalogue.EntryInput:
        return same_named(catalogue.EntryInput, self)


@strawberry.input(description="认定: the credit bank credits of an entry in recognition.")
class CatalogueEntryRecogniseInput:
    id: strawberry.ID
    credits: Decimal = strawberry.field(description="More than 0, at most 100, two decimals.")


@strawberry.input
class CatalogueEntryRefuseInput:
    id: strawberry.ID
    reason: str = strawberry.field(description="At most 500 characters.")


@strawberry.input
class SubtypeAuthorisationInput:
    institution_id: strawberry.ID
    subtype: str = strawberry.field(description="A restricted 成果子类型 code.")


@strawberry.type
class CatalogueEntryPayload:
    errors: list[FieldError]
    entry: CatalogueEntryType | None = None


@strawberry.type
class CatalogueEntriesPayload:
    errors: list[FieldError]
    entries: list[CatalogueEntryType] = strawberry.field(default_factory=list)


@strawberry.type
class CatalogueEntryDeletePayload:
    errors: list[FieldError]
    deleted_ids: list[strawberry.ID] = strawberry.field(default_factory=list)


@strawberry.type
class SubtypeAuthorisationPayload:
    errors: list[FieldError]
    authorisation: SubtypeAuthorisationType | None = None


def _ids(ids: list[strawberry.ID]):
    return [parse_id(value, f"ids.{index}") for index, value in enumerate(ids)]


@strawberry.type
class CatalogueMutation:
    @strawberry.mutation(
        description="Users and tokens of an approved institution: save a catalogue entry. "
        "1+X certificates arrive only by sync; restricted subtypes need the bank's "
        "authorisation; an entry cannot be changed once saved.",
        permission_classes=[IsInstitution],
    )
    async def catalogue_entry_create(
        self, info: Info, input: CatalogueEntryCreateInput
    ) -> CatalogueEntryPayload:
        return await mutate(
            CatalogueEntryPayload,
            lambda: catalogue.create_entry(info.context.actor, input.to_domain()),
            _entry,
        )

    @strawberry.mutation(
        description="Institution users and tokens: delete unrecognised entries, all or none; "
        "learners holding them keep their achievements.",
        permission_classes=[IsInstitution],
    )
    async def catalogue_entry_delete(
        self, info: Info, ids: list[strawberry.ID]
    ) -> CatalogueEntryDeletePayload:
        return await mutate(
            CatalogueEntryDeletePayload,
            lambda: catalogue.delete_entries(info.context.actor, _ids(ids)),
            lambda deleted: CatalogueEntryDeletePayload(
                errors=[],
                deleted_ids=[strawberry.ID(str(i)) for i in deleted],
            ),
        )

    @strawberry.mutation(
        description="Institution users and tokens: submit unrecognised entries for recognition "
        "(未认定 → 认定中), all or none.",
        permission_classes=[IsInstitution],
    )
    async def catalogue_entry_submit(
        self, info: Info, ids: list[strawberry.ID]
    ) -> CatalogueEntriesPayload:
        return await mutate(
            CatalogueEntriesPayload,
            lambda: catalogue.submit_entries(info.context.actor, _ids(ids)),
            lambda rows: CatalogueEntriesPayload(
                errors=[],
                entries=[CatalogueEntryType.from_model(r) for r in rows],
            ),
        )

    @strawberry.mutation(
        description="Administrators: recognise an entry in recognition with its credit bank "
        "credits (认定中 → 已认定); the institution is told.",
        permission_classes=[IsAdministrator],
    )
    async def catalogue_entry_recognise(
        self, info: Info, input: CatalogueEntryRecogniseInput
    ) -> CatalogueEntryPayload:
        return await mutate(
            CatalogueEntryPayload,
            lambda: catalogue.recognise_entry(
                info.context.actor, parse_id(input.id), input.credits
            ),
            _entry,
        )

    @strawberry.mutation(
        description="Administrators: refuse recognition with a reason (认定中 → 未认定); the "
        "institution is told.",
        permission_classes=[IsAdministrator],
    )
    async def catalogue_entry_refuse(
        self, info: Info, input: CatalogueEntryRefuseInput
    ) -> CatalogueEntryPayload:
        return await mutate(
            CatalogueEntryPayload,
            lambda: catalogue.refuse_entry(info.context.actor, parse_id(input.id), input.reason),
            _entry,
        )

    @strawberry.mutation(
        description="Administrators: authorise an institution to deposit a restricted subtype.",
        permission_classes=[IsAdministrator],
    )
    async def subtype_authorise(
        self, info: Info, input: SubtypeAuthorisationInput
    ) -> SubtypeAuthorisationPayload:
        return await mutate(
            SubtypeAuthorisationPayload,
            lambda: catalogue.authorise_subtype(
                info.context.actor, parse_id(input.institution_id, "institutionId"), input.subtype
            ),
            lambda row: SubtypeAuthorisationPayload(
                errors=[],
                authorisation=SubtypeAuthorisationType.from_model(row),
            ),
        )

    @strawberry.mutation(
        description="Administrators: revoke an authorisation; entries already saved stay.",
        permission_classes=[IsAdministrator],
    )
    async def subtype_authorisation_revoke(
        self, info: Info, input: SubtypeAuthorisationInput
    ) -> SubtypeAuthorisationPayload:
        return await mutate(
            SubtypeAuthorisationPayload,
            lambda: catalogue.revoke_subtype_authorisation(
                info.context.actor, parse_id(input.institution_id, "institutionId"), input.subtype
            ),
            lambda row: SubtypeAuthorisationPayload(
                errors=[],
                authorisation=SubtypeAuthorisationType.from_model(row),
            ),
        )


def _entry(row: InstitutionAchievement) -> CatalogueEntryPayload:
    return CatalogueEntryPayload(errors=[], entry=CatalogueEntryType.from_model(row))
