"""转换规则 mutations: save, publish, edit, withdraw, delete."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from graphql_api.common import parse_id
from graphql_api.context import Info
from graphql_api.conversion.types.rules import ConversionRuleType
from graphql_api.errors import FieldError, mutate
from graphql_api.permissions import (
    IsAdministrator,
    IsInstitutionUser,
)
from models import ConversionRule, RuleType
from resolvers.conversion import rules


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

    def to_domain(self) -> rules.RuleInput:
        targets = self.targets
        return rules.RuleInput(
            rule_type=self.rule_type,
            source_ids=_ids(self.sources, "sources"),
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
            description=self.description,
            file_id=parse_id(self.file_id, "fileId") if self.file_id is not None else None,
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


def _rule(row: ConversionRule) -> ConversionRulePayload:
    return ConversionRulePayload(errors=[], rule=ConversionRuleType.from_model(row))


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
                input.to_domain(),
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
                input.to_domain(),
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
            lambda deleted: ConversionRuleDeletePayload(
                errors=[], deleted_id=strawberry.ID(str(deleted))
            ),
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
