"""Mutations of the catalogue: create, delete and submit entries; recognise or refuse them;
authorise restricted subtypes."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from graphql_api.achievement_details import AchievementDetailsInput
from graphql_api.catalogue.types import CatalogueEntryType, SubtypeAuthorisationType
from graphql_api.common import parse_id
from graphql_api.context import Info
from graphql_api.errors import FieldError, field_errors
from graphql_api.permissions import IsAdministrator, IsInstitution
from resolvers.catalogue import entries as catalogue
from resolvers.core.errors import DomainError


@strawberry.input(description="存储新成果: a catalogue entry of one subtype.")
class CatalogueEntryCreateInput:
    subtype: str = strawberry.field(description="成果子类型 code; decides the details member.")
    name: str = strawberry.field(description="成果名称, at most 100 characters.")
    introduction: str = strawberry.field(description="成果简介, at most 2000 characters.")
    details: AchievementDetailsInput
    issuer_name: str | None = strawberry.field(
        default=None, description="颁证机构; the institution's name when omitted."
    )


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
        data = catalogue.EntryInput(
            subtype=input.subtype,
            name=input.name,
            introduction=input.introduction,
            details=input.details,
            issuer_name=input.issuer_name,
        )
        try:
            row = await catalogue.create_entry(info.context.actor, data)
        except DomainError as error:
            return CatalogueEntryPayload(errors=field_errors(error))
        return CatalogueEntryPayload(errors=[], entry=CatalogueEntryType.from_model(row))

    @strawberry.mutation(
        description="Institution users and tokens: delete unrecognised entries, all or none; "
        "learners holding them keep their achievements.",
        permission_classes=[IsInstitution],
    )
    async def catalogue_entry_delete(
        self, info: Info, ids: list[strawberry.ID]
    ) -> CatalogueEntryDeletePayload:
        try:
            deleted = await catalogue.delete_entries(info.context.actor, _ids(ids))
        except DomainError as error:
            return CatalogueEntryDeletePayload(errors=field_errors(error))
        return CatalogueEntryDeletePayload(
            errors=[], deleted_ids=[strawberry.ID(str(i)) for i in deleted]
        )

    @strawberry.mutation(
        description="Institution users and tokens: submit unrecognised entries for recognition "
        "(未认定 → 认定中), all or none.",
        permission_classes=[IsInstitution],
    )
    async def catalogue_entry_submit(
        self, info: Info, ids: list[strawberry.ID]
    ) -> CatalogueEntriesPayload:
        try:
            rows = await catalogue.submit_entries(info.context.actor, _ids(ids))
        except DomainError as error:
            return CatalogueEntriesPayload(errors=field_errors(error))
        return CatalogueEntriesPayload(
            errors=[], entries=[CatalogueEntryType.from_model(r) for r in rows]
        )

    @strawberry.mutation(
        description="Administrators: recognise an entry in recognition with its credit bank "
        "credits (认定中 → 已认定); the institution is told.",
        permission_classes=[IsAdministrator],
    )
    async def catalogue_entry_recognise(
        self, info: Info, input: CatalogueEntryRecogniseInput
    ) -> CatalogueEntryPayload:
        try:
            row = await catalogue.recognise_entry(
                info.context.actor, parse_id(input.id), input.credits
            )
        except DomainError as error:
            return CatalogueEntryPayload(errors=field_errors(error))
        return CatalogueEntryPayload(errors=[], entry=CatalogueEntryType.from_model(row))

    @strawberry.mutation(
        description="Administrators: refuse recognition with a reason (认定中 → 未认定); the "
        "institution is told.",
        permission_classes=[IsAdministrator],
    )
    async def catalogue_entry_refuse(
        self, info: Info, input: CatalogueEntryRefuseInput
    ) -> CatalogueEntryPayload:
        try:
            row = await catalogue.refuse_entry(info.context.actor, parse_id(input.id), input.reason)
        except DomainError as error:
            return CatalogueEntryPayload(errors=field_errors(error))
        return CatalogueEntryPayload(errors=[], entry=CatalogueEntryType.from_model(row))

    @strawberry.mutation(
        description="Administrators: authorise an institution to deposit a restricted subtype.",
        permission_classes=[IsAdministrator],
    )
    async def subtype_authorise(
        self, info: Info, input: SubtypeAuthorisationInput
    ) -> SubtypeAuthorisationPayload:
        try:
            row = await catalogue.authorise_subtype(
                info.context.actor, parse_id(input.institution_id, "institutionId"), input.subtype
            )
        except DomainError as error:
            return SubtypeAuthorisationPayload(errors=field_errors(error))
        return SubtypeAuthorisationPayload(
            errors=[], authorisation=SubtypeAuthorisationType.from_model(row)
        )

    @strawberry.mutation(
        description="Administrators: revoke an authorisation; entries already saved stay.",
        permission_classes=[IsAdministrator],
    )
    async def subtype_authorisation_revoke(
        self, info: Info, input: SubtypeAuthorisationInput
    ) -> SubtypeAuthorisationPayload:
        try:
            row = await catalogue.revoke_subtype_authorisation(
                info.context.actor, parse_id(input.institution_id, "institutionId"), input.subtype
            )
        except DomainError as error:
            return SubtypeAuthorisationPayload(errors=field_errors(error))
        return SubtypeAuthorisationPayload(
            errors=[], authorisation=SubtypeAuthorisationType.from_model(row)
        )
