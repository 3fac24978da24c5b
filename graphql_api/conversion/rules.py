"""Conversion rules (转换规则) in GraphQL: an institution's two lists and the detail, the portal's
list and detail for anyone, and the mutations of 转换规则制定 / 修改 / 删除 / 发布 / 撤回发布, with
the bank's 下架."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from graphql_api.common import Page, parse_id
from graphql_api.context import Info
from graphql_api.conversion.rule_types import ConversionRuleType, PublicConversionRuleType
from graphql_api.errors import FieldError, mutate
from graphql_api.permissions import (
    IsAdministrator,
    IsAdministratorOrInstitution,
    IsInstitution,
    IsInstitutionUser,
)
from models import ConversionRule, RuleStatus, RuleType
from resolvers.conversion import rules
from resolvers.conversion.rules import RuleScope

strawberry.enum(
    RuleScope,
    name="ConversionRuleScope",
    description="转换规则管理 tabs: 我发布的转换规则 (MINE) / 与我相关的转换规则 (RELATED)",
)


@strawberry.input(description="免考模块: name (at most 50 characters) and credits (0.5–100).")
class ExemptModuleInput:
    name: str
    credits: Decimal


@strawberry.input(description="A non-academic target (目标成果) with its exempt modules.")
class NonAcademicTargetInput:
    catalogue_entry_id: strawberry.ID
    exempt_modules: list[ExemptModuleInput] = strawberry.field(
        default_factory=list, description="At most 20, names distinct."
    )


@strawberry.input(
    description="目标成果, all of the rule's own institution: for an academic target side, "
    "majors (diploma entries, optional) and courses (course entries, at least one); for a "
    "non-academic target side, one or more non-academic entries."
)
class ConversionRuleTargetsInput:
    majors: list[strawberry.ID] = strawberry.field(default_factory=list)
    courses: list[strawberry.ID] = strawberry.field(default_factory=list)
    non_academic: list[NonAcademicTargetInput] = strawberry.field(default_factory=list)


@strawberry.input(description="转换规则制定: 【保存】 (a draft) or 【发布】 with `publish`.")
class ConversionRuleInput:
    rule_type: RuleType
    sources: list[strawberry.ID] = strawberry.field(
        description="源成果: 1–20 distinct recognised catalogue entries of any institution, of the "
        "type's source category."
    )
    targets: ConversionRuleTargetsInput
    description: str = strawberry.field(default="", description="转换说明, at most 2000.")
    file_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The stamped PDF uploaded with `fileUpload`; required to publish.",
    )
    publish: bool = strawberry.field(
        default=False, description="【发布】: publish as well; needs a published 转换办法."
    )
    pledge_accepted: bool = strawberry.field(
        default=False,
        description="信息发布安全承诺书, required with `publish` until the user has accepted it.",
    )


@strawberry.input(description="修改: a draft or off-shelf rule's new content.")
class ConversionRuleUpdateInput(ConversionRuleInput):
    id: strawberry.ID


@strawberry.type
class ConversionRulePayload:
    errors: list[FieldError]
    rule: ConversionRuleType | None = None


@strawberry.type
class ConversionRuleDeletePayload:
    errors: list[FieldError]
    deleted_id: strawberry.ID | None = None


def _ids(values: list[strawberry.ID], path: str):
    return [parse_id(value, f"{path}.{index}") for index, value in enumerate(values)]


def _rule_input(data: ConversionRuleInput) -> rules.RuleInput:
    targets = data.targets
    return rules.RuleInput(
        rule_type=data.rule_type,
        source_ids=_ids(data.sources, "sources"),
        major_ids=_ids(targets.majors, "targets.majors"),
        course_ids=_ids(targets.courses, "targets.courses"),
        non_academic=[
            rules.NonAcademicTarget(
                catalogue_entry_id=parse_id(
                    target.catalogue_entry_id, f"targets.nonAcademic.{index}.catalogueEntryId"
                ),
                exempt_modules=[
                    rules.ExemptModule(name=module.name, credits=module.credits)
                    for module in target.exempt_modules
                ],
            )
            for index, target in enumerate(targets.non_academic)
        ],
        description=data.description,
        file_id=parse_id(data.file_id, "fileId") if data.file_id is not None else None,
    )


def _rule(row: ConversionRule) -> dict:
    return {"rule": ConversionRuleType.from_model(row)}


def _filter(
    code: str | None,
    rule_type: RuleType | None,
    source_name: str | None,
    target_name: str | None,
    institution_name: str | None,
    status: RuleStatus | None = None,
) -> rules.RuleFilter:
    return rules.RuleFilter(
        code=code,
        rule_type=rule_type,
        source_name=source_name,
        target_name=target_name,
        institution_name=institution_name,
        status=status,
    )


@strawberry.type
class ConversionRuleQuery:
    @strawberry.field(
        description="Institution users and tokens, 转换规则管理: their own rules in every state "
        "(MINE), or other institutions' published rules with one of their catalogue entries as a "
        "source (RELATED); newest first, with the filters of the screen.",
        permission_classes=[IsInstitution],
    )
    async def conversion_rules(
        self,
        info: Info,
        scope: RuleScope = RuleScope.MINE,
        page: int = 1,
        page_size: int = 10,
        code: str | None = None,
        rule_type: RuleType | None = None,
        source_name: str | None = None,
        target_name: str | None = None,
        institution_name: str | None = None,
        status: RuleStatus | None = None,
    ) -> Page[ConversionRuleType]:
        rows, total = await rules.list_rules(
            info.context.actor,
            scope,
            page,
            page_size,
            _filter(code, rule_type, source_name, target_name, institution_name, status),
        )
        return Page.of(rows, total, page, page_size, ConversionRuleType.from_model)

    @strawberry.field(
        description="查看: an institution's own rule in any state, or any published rule; "
        "administrators see every rule.",
        permission_classes=[IsAdministratorOrInstitution],
    )
    async def conversion_rule(self, info: Info, id: strawberry.ID) -> ConversionRuleType:
        return ConversionRuleType.from_model(await rules.get_rule(info.context.actor, parse_id(id)))

    @strawberry.field(
        description="Anyone, without logging in (门户, the learner's 转换规则 page): the published "
        "rules, most recently published first."
    )
    async def portal_conversion_rules(
        self,
        page: int = 1,
        page_size: int = 10,
        code: str | None = None,
        rule_type: RuleType | None = None,
        source_name: str | None = None,
        target_name: str | None = None,
        institution_name: str | None = None,
    ) -> Page[PublicConversionRuleType]:
        rows, total = await rules.portal_rules(
            page,
            page_size,
            _filter(code, rule_type, source_name, target_name, institution_name),
        )
        return Page.of(rows, total, page, page_size, PublicConversionRuleType.from_model)

    @strawberry.field(
        description="Anyone: one published rule (查看详情); NOT_FOUND once it is withdrawn."
    )
    async def portal_conversion_rule(self, id: strawberry.ID) -> PublicConversionRuleType:
        return PublicConversionRuleType.from_model(await rules.portal_rule(parse_id(id)))


@strawberry.type
class ConversionRuleMutation:
    @strawberry.mutation(
        description="Users of an approved institution, 转换规则制定: a draft with its code "
        "(YYYYMMDD0001), or published at once with `publish`.",
        permission_classes=[IsInstitutionUser],
    )
    async def conversion_rule_create(
        self, info: Info, input: ConversionRuleInput
    ) -> ConversionRulePayload:
        return await mutate(
            ConversionRulePayload,
            lambda: rules.create_rule(
                info.context.actor,
                _rule_input(input),
                publish=input.publish,
                pledge_accepted=input.pledge_accepted,
            ),
            _rule,
        )

    @strawberry.mutation(
        description="修改 a draft or off-shelf rule of the institution: its content is replaced, "
        "its code kept; with `publish` it is published too. Refused (CONFLICT) while "
        "applications under the rule wait for review.",
        permission_classes=[IsInstitutionUser],
    )
    async def conversion_rule_update(
        self, info: Info, input: ConversionRuleUpdateInput
    ) -> ConversionRulePayload:
        return await mutate(
            ConversionRulePayload,
            lambda: rules.update_rule(
                info.context.actor,
                parse_id(input.id),
                _rule_input(input),
                publish=input.publish,
                pledge_accepted=input.pledge_accepted,
            ),
            _rule,
        )

    @strawberry.mutation(
        description="删除 a draft or off-shelf rule no application was made under.",
        permission_classes=[IsInstitutionUser],
    )
    async def conversion_rule_delete(
        self, info: Info, id: strawberry.ID
    ) -> ConversionRuleDeletePayload:
        return await mutate(
            ConversionRuleDeletePayload,
            lambda: rules.delete_rule(info.context.actor, parse_id(id)),
            lambda deleted: {"deleted_id": strawberry.ID(str(deleted))},
        )

    @strawberry.mutation(
        description="【发布】 a draft or off-shelf rule: it needs its PDF, a published 转换办法 "
        "and the pledge; it shows on the portal at once.",
        permission_classes=[IsInstitutionUser],
    )
    async def conversion_rule_publish(
        self, info: Info, id: strawberry.ID, pledge_accepted: bool = False
    ) -> ConversionRulePayload:
        return await mutate(
            ConversionRulePayload,
            lambda: rules.publish_rule(info.context.actor, parse_id(id), pledge_accepted),
            _rule,
        )

    @strawberry.mutation(
        description="撤回发布: a published rule goes off the shelf (下架) and off the portal.",
        permission_classes=[IsInstitutionUser],
    )
    async def conversion_rule_withdraw(
        self, info: Info, id: strawberry.ID
    ) -> ConversionRulePayload:
        return await mutate(
            ConversionRulePayload,
            lambda: rules.withdraw_rule(info.context.actor, parse_id(id)),
            _rule,
        )

    @strawberry.mutation(
        description="Administrators: take a published rule down (下架) with a reason of at most "
        "500 characters; the institution is told.",
        permission_classes=[IsAdministrator],
    )
    async def conversion_rule_take_down(
        self, info: Info, id: strawberry.ID, reason: str
    ) -> ConversionRulePayload:
        return await mutate(
            ConversionRulePayload,
            lambda: rules.take_down_rule(info.context.actor, parse_id(id), reason),
            _rule,
        )
