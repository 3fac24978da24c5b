"""The model enumerations as GraphQL enums (their Chinese label is exposed as a field)."""

from __future__ import annotations

import strawberry

from models import (
    DetailSchema,
    Gender,
    IdType,
    InstitutionKind,
    InstitutionStatus,
    InstitutionUserStatus,
    LearnerStatus,
    RecognitionStatus,
    TermKind,
)
from resolvers.accounts.codes import CodePurpose

strawberry.enum(IdType, name="IdType", description="证件类型")
strawberry.enum(Gender, name="Gender", description="性别")
strawberry.enum(LearnerStatus, name="LearnerStatus", description="学习账户状态")
strawberry.enum(InstitutionKind, name="InstitutionKind", description="机构类型")
strawberry.enum(InstitutionStatus, name="InstitutionStatus", description="机构审核状态")
strawberry.enum(InstitutionUserStatus, name="InstitutionUserStatus", description="机构用户状态")
strawberry.enum(CodePurpose, name="CodePurpose", description="验证码用途")
strawberry.enum(
    DetailSchema,
    name="DetailSchema",
    description="成果附属信息的种类 (which typed fields a subtype has)",
)
strawberry.enum(TermKind, name="TermKind", description="术语列表 (层次, 学科门类 …)")
strawberry.enum(RecognitionStatus, name="RecognitionStatus", description="机构成果认定状态")
